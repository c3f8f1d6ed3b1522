"""The desk's lookup of a change request's files; a copy taken is audited by ``records`` (security
invariant 5).

A change request holds personal data (the requester, new contact details, disclosure documents), so
opening it and taking a copy of one of its files are recorded on the request, like the application's
detail and evidence downloads (``desk.applications.evidence``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from calsreg.changes.models import ChangeRequest
from calsreg.core.errors import NotFound
from calsreg.records.models import Evidence
from calsreg.records.selectors import EvidenceCopy
from calsreg.records.services import Actor, evidence_downloaded


def change_evidence(*, evidence_id: int) -> tuple[Evidence, ChangeRequest]:
    """A file kept for a change request, with that request; NotFound otherwise."""
    evidence = Evidence.objects.filter(pk=evidence_id, subject_type=ChangeRequest._meta.model_name).first()
    request = ChangeRequest.objects.filter(pk=evidence.subject_id).first() if evidence else None
    if evidence is None or request is None:
        raise NotFound(_("証跡ファイルが見つかりません。"))
    return evidence, request


def change_evidence_download(*, copy: EvidenceCopy, request: ChangeRequest, actor: Actor) -> None:
    """Audit, on the change request, that staff took a copy of one of its files."""
    evidence_downloaded(copy=copy, subject=request, actor=actor)
