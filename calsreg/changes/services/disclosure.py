"""Personal-data requests under the personal-information law (個人情報保護法 第33条・第35条):
disclosure of what is held on a person, and deletion — each only after the call-back verification.

The disclosure is a JSON document kept as evidence on the change request; the desk downloads it and
sends it to the registered contact. Each part of it is read from the app that holds it. Deletion is
the accounts app's (``accounts.services.account_personal_data_erase``): it erases the person's name
and contact details from their account once they no longer take part in any project.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_noop

from calsreg.accounts.selectors import account_personal_data
from calsreg.applications.selectors import applicant_personal_data
from calsreg.changes.catalog import APPLICANT
from calsreg.changes.models import ChangeRequest
from calsreg.changes.registration import project_accounts
from calsreg.core import clock
from calsreg.notifications.selectors import deliveries_to
from calsreg.records.models import Evidence, EvidenceKind
from calsreg.records.selectors import audit_timeline
from calsreg.records.services import Actor, audit_record, evidence_store


def personal_data_of(*, request: ChangeRequest, target: str) -> dict[str, Any]:
    """Everything the system holds on the person ``target`` names on the request's project, each part
    read from the app that holds it."""
    project = request.project
    application = project.application
    if target == APPLICANT:
        person = applicant_personal_data(application=application)
        address = application.applicant_email
        subject: models.Model = application
    else:
        user = project_accounts(project)[target]
        person = account_personal_data(user=user)
        address = user.email
        subject = user
    return {
        "disclosed_for": request.number,
        "project_number": project.project_number,
        "generated_at": clock.now().isoformat(),
        "person": person,
        "mails_sent": [
            {"kind": d.kind, "created_at": _iso(d.created_at), "status": d.status}
            for d in deliveries_to(address=address)
        ],
        "records": [
            {"action": event.action, "at": _iso(event.at)} for event in audit_timeline(subject=subject)
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
