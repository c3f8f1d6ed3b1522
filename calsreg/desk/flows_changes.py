"""Audit records of the desk's reading of change requests (security invariant 5).

A change request holds personal data (the requester, new contact details, disclosure documents), so
opening it and taking a copy of one of its files are recorded on the request, like the application's
detail and evidence downloads (``desk.flows``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.changes.models import ChangeRequest
from calsreg.core.errors import NotFound
from calsreg.desk.flows import EvidenceCopy
from calsreg.records.models import Evidence
from calsreg.records.services import Actor, audit_record


def change_evidence(*, evidence_id: int) -> tuple[Evidence, ChangeRequest]:
    """A file kept for a change request, with that request; NotFound otherwise."""
    evidence = Evidence.objects.filter(pk=evidence_id, subject_type=ChangeRequest._meta.model_name).first()
    request = ChangeRequest.objects.filter(pk=evidence.subject_id).first() if evidence else None
    if evidence is None or request is None:
        raise NotFound(_("証跡ファイルが見つかりません。"))
    return evidence, request


@transaction.atomic
def change_evidence_download(*, copy: EvidenceCopy, request: ChangeRequest, actor: Actor) -> None:
    """Audit that staff took a copy of a change request's file, and whether it still verified."""
    evidence = copy.evidence
    audit_record(
        actor=actor,
        action="evidence.downloaded",
        subject=request,
        summary=(
            gettext_noop("証跡ファイルをダウンロードしました: %(name)s")
            if copy.intact
            else gettext_noop("チェックサムが一致しない証跡ファイルをダウンロードしました: %(name)s")
        ),
        summary_params={"name": evidence.original_name},
        data={"evidence_id": evidence.pk, "sha256": evidence.sha256, "intact": copy.intact},
    )
