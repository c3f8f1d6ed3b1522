"""Identity verification by call-back (seed step 8).

The operator chooses whom to call among the contacts **on file** (``registration.contacts_on_file``);
the number is copied from the registration here, so no typed or form-stated number can be recorded as
the one called. With a positive call the operator records, item by item, what the caller confirmed;
only confirmed items can be applied. A denial ("I did not ask for this") rejects the whole request as
suspected impersonation and warns the addresses on file — for an e-mail change, the old address.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.services import account_email_change_refused_notify
from calsreg.accounts.services.contacts import email_masked
from calsreg.changes.catalog import EMAIL_FIELDS
from calsreg.changes.models import CallBack, ChangeItem, ChangeRequest, ChangeStatus, ItemDecision
from calsreg.changes.registration import contact_on_file, project_accounts
from calsreg.changes.services.notices import project_mail_context, recipients_on_file
from calsreg.core import clock
from calsreg.core.errors import FieldError, InvalidTransition, ValidationFailed
from calsreg.notifications.services import notification_enqueue
from calsreg.records.models import Evidence, EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store
from calsreg.verification.models import CallOutcome

REJECTED_KIND = "change_request_rejected"
EMAIL_ATTEMPT_KIND = "change_email_attempt"


@transaction.atomic
def callback_record(
    *,
    request: ChangeRequest,
    contact: str,
    outcome: str,
    actor: Actor,
    decisions: Mapping[int, bool] | None = None,
    note: str = "",
    called_at: datetime | None = None,
) -> CallBack:
    """Record a call-back to ``contact`` (a key of ``contacts_on_file``) and what it established.

    ``decisions`` maps item ids to True (confirmed by the caller) / False (not confirmed, or dropped);
    required for every item when the outcome is "confirmed". Confirmed items make the request
    verified; all declined rejects it; a denial rejects it as suspected impersonation; no answer or
    a wrong person leaves it waiting for another call.

    Raises InvalidTransition unless the request is still submitted, ValidationFailed for an unknown
    contact or outcome or missing decisions (nothing is recorded then).
    """
    request = (
        ChangeRequest.objects.select_for_update().select_related("project__application").get(pk=request.pk)
    )
    if request.status != ChangeStatus.SUBMITTED:
        raise InvalidTransition(
            _("本人確認の電話は、受付済み（本人確認前）の変更申込にだけ記録できます（現在：%(status)s）。")
            % {"status": ChangeStatus(request.status).label},
            current=request.status,
            target=ChangeStatus.VERIFIED,
        )
    items = list(request.items.order_by("position"))
    on_file = contact_on_file(request.project, contact)
    errors = _problems(on_file is not None, outcome, decisions, items)
    if errors:
        raise ValidationFailed(errors=errors)
    assert on_file is not None
    now = clock.now()
    call = CallBack.objects.create(
        request=request,
        contact=on_file.key,
        contact_name=on_file.name,
        phone_number=on_file.phone,  # from the registration, never from the form or the operator
        called_at=called_at or now,
        called_by=actor.user,
        outcome=outcome,
        note=note.strip(),
    )
    audit_record(
        actor=actor,
        action="change_request.called_back",
        subject=request,
        at=now,
        summary=gettext_noop("登録済みの電話番号（%(contact)s）へ本人確認の電話をしました：%(outcome)s"),
        summary_params={
            "contact": f"{on_file.name}（{on_file.key}）",
            "outcome": str(CallOutcome(outcome).label),
        },
        data={"call_id": call.pk, "outcome": outcome},
    )
    if outcome == CallOutcome.CONFIRMED:
        _decide_items(request=request, items=items, decisions=decisions or {}, actor=actor, now=now)
    elif outcome == CallOutcome.DENIED:
        _reject_denied(request=request, items=items, actor=actor, now=now)
    call.evidence = _call_evidence(call=call, request=request, items=items, actor=actor)
    call.save(update_fields=["evidence", "updated_at"])
    return call


def _problems(
    known_contact: bool, outcome: str, decisions: Mapping[int, bool] | None, items: list[ChangeItem]
) -> list[FieldError]:
    errors = []
    if not known_contact:
        errors.append(
            FieldError(
                field="contact",
                label=_("発信先"),
                message=_("発信先は、登録済みの連絡先の一覧から選んでください。"),
            )
        )
    if outcome not in CallOutcome.values:
        errors.append(FieldError(field="outcome", label=_("結果"), message=_("通話の結果を選んでください。")))
    elif outcome == CallOutcome.CONFIRMED:
        missing = [item for item in items if item.pk not in (decisions or {})]
        for item in missing:
            errors.append(
                FieldError(
                    field=f"item_{item.pk}",
                    label=_("変更%(n)s") % {"n": item.position},
                    message=_("本人が確認した項目か、確認できなかった項目かを選んでください。"),
                )
            )
    return errors


def _decide_items(
    *,
    request: ChangeRequest,
    items: list[ChangeItem],
    decisions: Mapping[int, bool],
    actor: Actor,
    now: datetime,
) -> None:
    for item in items:
        item.decision = ItemDecision.CONFIRMED if decisions[item.pk] else ItemDecision.DECLINED
        item.decided_at = now
    ChangeItem.objects.bulk_update(items, ["decision", "decided_at"])
    confirmed = [item.position for item in items if item.decision == ItemDecision.CONFIRMED]
    if not confirmed:
        request_rejected(
            request=request,
            note=_("本人確認の電話で、すべての項目が取りやめ・確認できずとなりました。"),
            actor=actor,
            now=now,
            impersonation=False,
        )
        return
    request.transition_to(ChangeStatus.VERIFIED)
    request.verified_at = now
    request.save(update_fields=["status", "verified_at", "updated_at"])
    audit_record(
        actor=actor,
        action="change_request.verified",
        subject=request,
        at=now,
        summary=gettext_noop("本人確認が済みました（確認できた項目 %(confirmed)s / %(total)s）。"),
        summary_params={"confirmed": len(confirmed), "total": len(items)},
        data={"confirmed_positions": confirmed},
    )


def _reject_denied(*, request: ChangeRequest, items: list[ChangeItem], actor: Actor, now: datetime) -> None:
    for item in items:
        item.decision, item.decided_at = ItemDecision.DECLINED, now
    ChangeItem.objects.bulk_update(items, ["decision", "decided_at"])
    request_rejected(
        request=request,
        note=_("登録済みの電話番号への確認で、本人が申込を否認しました（なりすましの疑い）。"),
        actor=actor,
        now=now,
        impersonation=True,
    )
    # The person whose address someone tried to take over hears of it at the address on file.
    accounts = project_accounts(request.project)
    application = request.project.application
    for item in items:
        if item.field not in EMAIL_FIELDS:
            continue
        if item.field == "user.email" and item.target in accounts:
            account_email_change_refused_notify(
                user=accounts[item.target], requested_email=str(item.after), language=request.language
            )
        elif item.field == "applicant_email":
            notification_enqueue(
                kind=EMAIL_ATTEMPT_KIND,
                to=application.applicant_email,
                subject=request,
                idempotency_key=f"{EMAIL_ATTEMPT_KIND}:{request.pk}:{item.pk}",
                language=request.language,
                context={
                    **project_mail_context(request.project),
                    "number": request.number,
                    "recipient_name": application.applicant_name,
                    "requested_email": email_masked(str(item.after)),
                },
            )


def request_rejected(
    *, request: ChangeRequest, note: str, actor: Actor, now: datetime, impersonation: bool
) -> None:
    """Reject a locked request (the caller holds its row lock) and tell the addresses on file."""
    request.transition_to(ChangeStatus.REJECTED)
    request.rejected_at = now
    request.decision_note = note
    request.impersonation_suspected = impersonation
    request.save(
        update_fields=["status", "rejected_at", "decision_note", "impersonation_suspected", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="change_request.rejected",
        subject=request,
        at=now,
        summary=gettext_noop("変更申込を不承認にしました（理由：%(reason)s）。"),
        summary_params={"reason": note},
        data={"impersonation_suspected": impersonation},
    )
    rejection_notify(request)


def rejection_notify(request: ChangeRequest) -> None:
    """A neutral notice to the addresses on file: nothing was changed, ask the desk if in doubt."""
    context = {**project_mail_context(request.project), "number": request.number}
    for address, name in recipients_on_file(request).items():
        notification_enqueue(
            kind=REJECTED_KIND,
            to=address,
            subject=request,
            idempotency_key=f"{REJECTED_KIND}:{request.pk}:{address}",
            language=request.language,
            context={**context, "recipient_name": name},
        )


def _call_evidence(
    *, call: CallBack, request: ChangeRequest, items: list[ChangeItem], actor: Actor
) -> Evidence:
    """The call record as kept evidence: who was called at which number on file, and what was confirmed."""
    record = {
        "change_request": request.number,
        "project_number": request.project.project_number,
        "contact": call.contact,
        "contact_name": call.contact_name,
        "phone_number_on_file": call.phone_number,
        "phone_number_stated_on_form": request.requester_phone,
        "called_at": call.called_at.isoformat(),
        "called_by": call.called_by.get_username(),
        "outcome": call.outcome,
        "note": call.note,
        "items": [
            {"position": item.position, "field": item.field, "target": item.target, "decision": item.decision}
            for item in items
        ],
    }
    content = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    return evidence_store(
        content=content,
        original_name=f"callback-{request.number}-{call.pk}.json",
        content_type="application/json",
        kind=EvidenceKind.CALL_RECORD,
        subject=request,
        actor=actor,
        received_at=call.called_at,
    )
