"""Personal-data requests under the personal-information law (個人情報保護法 第33条・第35条):
disclosure of what is held on a person, and deletion — each only after the call-back verification.

The disclosure is a JSON document kept as evidence on the change request; the desk downloads it and
sends it to the registered contact. Deletion erases the person's name and contact details from their
account once they no longer take part in any project.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import AccountState, Membership, ProjectStatus, User
from calsreg.accounts.services.anonymise import account_anonymise
from calsreg.accounts.services.closing import sessions_end
from calsreg.changes.catalog import APPLICANT
from calsreg.changes.models import ChangeRequest
from calsreg.changes.registration import project_accounts
from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store


def personal_data_of(*, request: ChangeRequest, target: str) -> dict[str, Any]:
    """Everything the system holds on the person ``target`` names on the request's project."""
    project = request.project
    application = project.application
    if target == APPLICANT:
        person: dict[str, Any] = {
            "role": "applicant",
            "name": application.applicant_name,
            "kana": application.applicant_kana,
            "email": application.applicant_email,
            "phone": application.applicant_phone,
            "application": application.receipt_number,
        }
        address = application.applicant_email
        subjects: list[tuple[str, int]] = [("application", application.pk)]
    else:
        user = project_accounts(project)[target]
        person = {
            "role": "account",
            "account_id": user.username,
            "name": user.display_name,
            "kana": user.kana,
            "email": user.email,
            "phone": user.phone,
            "state": user.state,
            "activated_at": _iso(user.activated_at),
            "last_login": _iso(user.last_login),
            "projects": [
                {
                    "project_number": m.project.project_number,
                    "project_name": m.project.name,
                    "role": m.role,
                    "active": m.active,
                }
                for m in Membership.objects.filter(user=user).select_related("project").order_by("pk")
            ],
        }
        address = user.email
        subjects = [("user", user.pk)]
    return {
        "disclosed_for": request.number,
        "project_number": project.project_number,
        "generated_at": clock.now().isoformat(),
        "person": person,
        "mails_sent": [
            {"kind": d.kind, "created_at": _iso(d.created_at), "status": d.status}
            for d in Delivery.objects.filter(to_address=address).order_by("created_at", "pk")
        ],
        "records": [
            {"action": event.action, "at": _iso(event.at)}
            for subject_type, subject_id in subjects
            for event in AuditEvent.objects.filter(subject_type=subject_type, subject_id=subject_id).order_by(
                "at", "pk"
            )
        ],
        "change_requests_filed": list(
            ChangeRequest.objects.filter(project=project, requester_name=person["name"]).values_list(
                "number", flat=True
            )
        ),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def personal_data_disclose(*, request: ChangeRequest, target: str, actor: Actor) -> Evidence:
    """Write the disclosure document for ``target`` and keep it on the request."""
    document = personal_data_of(request=request, target=target)
    evidence = evidence_store(
        content=json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"),
        original_name=f"disclosure-{request.number}-{target}.json",
        content_type="application/json",
        kind=EvidenceKind.OTHER,
        subject=request,
        actor=actor,
        note="disclosure",
    )
    audit_record(
        actor=actor,
        action="personal_data.disclosed",
        subject=request,
        summary=gettext_noop("保有個人データの開示資料を作成しました（対象：%(target)s）。"),
        summary_params={"target": target},
        data={"evidence_id": evidence.pk},
    )
    return evidence


def personal_data_erase(*, user: User, actor: Actor) -> None:
    """Erase a contractor account's name and contact details (a deletion request).

    Refused while the person still takes part in a project that is not closed: they would be
    unreachable there. The row and its ID stay, so invoices and the audit log keep referring to it.
    """
    if user.is_staff_member or user.supervisor_id is not None:
        raise DomainError(_("削除の求めで消去できるのは受注者の利用者アカウントだけです。"))
    still_in = Membership.objects.filter(user=user, active=True).exclude(project__status=ProjectStatus.CLOSED)
    if still_in.exists():
        raise DomainError(
            _("他の工事で利用中のため、個人データを削除できません。先にその工事の利用を終了してください。")
        )
    if user.state != AccountState.CLOSED:
        user.account_transition_to(AccountState.CLOSED)
    new_id = account_anonymise(user=user)
    sessions_end(user_ids=[user.pk])
    audit_record(
        actor=actor,
        action="personal_data.erased",
        subject=user,
        summary=gettext_noop("削除の求めにより、利用者の個人データを削除しました（匿名化後のID %(id)s）。"),
        summary_params={"id": new_id},
    )
