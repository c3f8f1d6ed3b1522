"""Desk lookups and steps around an application's kept files.

Views stay thin: each calls one function here or one domain service. The reading and the audit of
a downloaded copy belong to ``records`` (``evidence_read``, ``evidence_downloaded``); intake is the
applications' (``applications.services.channels``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from calsreg.applications.models import Application
from calsreg.core.errors import NotFound
from calsreg.records.models import Evidence
from calsreg.records.selectors import EvidenceCopy, evidence_read
from calsreg.records.services import Actor, evidence_downloaded

__all__ = ["EvidenceCopy", "application_evidence", "evidence_download", "evidence_read"]


def evidence_download(*, copy: EvidenceCopy, application: Application, actor: Actor) -> None:
    """Audit, on the application, that staff took a copy of one of its kept files."""
    evidence_downloaded(copy=copy, subject=application, actor=actor)


def application_evidence(*, evidence_id: int) -> tuple[Evidence, Application]:
    """An evidence file kept for an application, with that application; NotFound otherwise."""
    evidence = Evidence.objects.filter(pk=evidence_id, subject_type=Application._meta.model_name).first()
    application = Application.objects.filter(pk=evidence.subject_id).first() if evidence else None
    if evidence is None or application is None:
        raise NotFound(_("証跡ファイルが見つかりません。"))
    return evidence, application
