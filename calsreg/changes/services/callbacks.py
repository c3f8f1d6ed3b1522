"""Identity verification by call-back (seed step 8): 本人確認 of each person whose data changes.

Every item has a person concerned (``catalog.person_concerned``: a user for their own contact details
and personal-data requests, the 申込担当者 on file for everything else). The operator records a call to
one of them (``registration.people_concerned``); the number is copied from the registration here, so
no typed or form-stated number can be recorded as the one called. A positive call decides that
person's items and nobody else's: a call to the filer, or to another member, cannot confirm a change
to someone else's data (the co-member e-mail takeover). A request is verified once every item is
decided, so a request about several people needs a call to each. A denial ("I did not ask for this")
rejects the whole request as suspected impersonation and warns the addresses on file — for an e-mail
change, the old address.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.services import account_email_change_refused_notify
from calsreg.accounts.services.contacts import email_masked
from calsreg.changes.catalog import EMAIL_FIELDS, person_concerned
from calsreg.changes.models import CallBack, ChangeItem, ChangeRequest, ChangeStatus, ItemDecision
from calsreg.changes.registration import PersonConcerned, people_concerned, project_accounts
from calsreg.changes.services.notices import project_mail_context, recipients_on_file
from calsreg.changes.services.step_times import change_request_step_times_record
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
    """Record a call-back to ``contact`` — a person concerned by the request, at their number on
    file — and what it established.

    With a positive call ("confirmed"), ``decisions`` maps the ids of **that person's** undecided
    items to True (confirmed) / False (not confirmed, or dropped): every one of them is required,
    and a decision about anyone else's item is refused. Once every item of the request is decided it
    is verified (some confirmed) or rejected (none). A denial rejects the request as suspected
    impersonation; no answer or a wrong person leaves it waiting for another call.

    Raises InvalidTransition unless the request is still submitted; ValidationFailed (nothing is
    recorded) when ``contact`` is not a person concerned with undecided items and a number on file,
    for an unknown outcome, or for missing or foreign decisions.
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
    people = people_concerned(request)
    person = next((someone for someone in people if someone.key == contact), None)
    errors = _problems(person=person, people=people, outcome=outcome, decisions=decisions)
    if errors:
        raise ValidationFailed(errors=errors)
    assert person is not None
    items = sorted((item for someone in people for item in someone.items), key=lambda item: item.position)
    decided = list(person.pending) if outcome == CallOutcome.CONFIRMED else []
    now = clock.now()
    call = CallBack.objects.create(
        request=request,
        contact=person.key,
        contact_name=person.name,
        phone_number=person.phone,  # from the registration, never from the form or the operator
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
            "contact": f"{person.name}（{person.key}）",
            "outcome": str(CallOutcome(outcome).label),
        },
        data={
            "call_id": call.pk,
            "outcome": outcome,
            "contact": person.key,
            "decided_positions": [item.position for item in decided],
        },
    )
    if outcome == CallOutcome.CONFIRMED:
        _decide_items(
            request=request,
            items=items,
            decided=decided,
            decisions=decisions or {},
            call=call,
            actor=actor,
            now=now,
        )
    elif outcome == CallOutcome.DENIED:
        _reject_denied(request=request, items=items, call=call, actor=actor, now=now)
    call.evidence = _call_evidence(call=call, request=request, items=items, actor=actor)
    call.save(update_fields=["evidence", "updated_at"])
    return call


def _problems(
    *,
    person: PersonConcerned | None,
    people: list[PersonConcerned],
    outcome: str,
    decisions: Mapping[int, bool] | None,
) -> list[FieldError]:
    errors = []
    callable_person = person is not None and person.to_call
    if not callable_person:
        errors.append(
            FieldError(
                field="contact", label=_("電話した相手（本人）"), message=_contact_problem(person, people)
            )
        )
    if outcome not in CallOutcome.values:
        errors.append(FieldError(field="outcome", label=_("結果"), message=_("通話の結果を選んでください。")))
    elif outcome == CallOutcome.CONFIRMED and person is not None and callable_person:
        errors.extend(_decision_problems(person=person, people=people, decisions=decisions or {}))
    return errors


def _contact_problem(person: PersonConcerned | None, people: list[PersonConcerned]) -> str:
    if person is not None and person.pending and not person.phone:
        return _(
            "%(person)sの電話番号が登録されていないため、本人確認の電話ができません。"
            "この項目は確認できないので、変更申込を不承認にしてください。"
        ) % {"person": _who(person)}
    if person is not None and not person.pending:
        return _("%(person)sの項目は、すでに本人確認の結果が記録されています。") % {"person": _who(person)}
    to_call = [_who(someone) for someone in people if someone.to_call]
    if not to_call:
        return _("電話して確認できる本人がいません。変更申込を不承認にしてください。")
    return _(
        "電話した相手は、変更される情報の本人（%(people)s）から選んでください。"
        "申込者や他の利用者への電話では、その人の情報でない項目は確認できません。"
    ) % {"people": "、".join(to_call)}


def _decision_problems(
    *, person: PersonConcerned, people: list[PersonConcerned], decisions: Mapping[int, bool]
) -> list[FieldError]:
    owner = {item.pk: (someone, item) for someone in people for item in someone.items}
    theirs = {item.pk for item in person.pending}
    errors = []
    for pk in decisions:
        if pk in theirs:
            continue
        if pk not in owner:
            errors.append(
                FieldError(
                    field="decisions",
                    label=_("項目ごとの確認"),
                    message=_("この変更申込にない項目です。項目を選び直してください。"),
                )
            )
            continue
        someone, item = owner[pk]
        message = (
            _("変更%(n)sは、すでに本人確認の結果が記録されています。") % {"n": item.position}
            if item.decision != ItemDecision.PENDING
            else _(
                "変更%(n)sは%(owner)sの情報です。%(called)sへの電話では確認できません。"
                "%(owner)sに登録済みの番号で電話して確認してください。"
            )
            % {"n": item.position, "owner": _who(someone), "called": _who(person)}
        )
        errors.append(FieldError(field=f"item_{pk}", label=_item_label(item), message=message))
    for item in person.pending:
        if item.pk not in decisions:
            errors.append(
                FieldError(
                    field=f"item_{item.pk}",
                    label=_item_label(item),
                    message=_("本人が確認した項目か、確認できなかった項目かを選んでください。"),
                )
            )
    return errors


def _who(person: PersonConcerned) -> str:
    return f"{person.label} {person.name}".strip() if person.name else person.label


def _item_label(item: ChangeItem) -> str:
    return _("変更%(n)s") % {"n": item.position}


def _decide_items(
    *,
    request: ChangeRequest,
    items: Sequence[ChangeItem],
    decided: Sequence[ChangeItem],
    decisions: Mapping[int, bool],
    call: CallBack,
    actor: Actor,
    now: datetime,
) -> None:
    """Decide the called person's items; once no item waits for its person, verify or reject."""
    for item in decided:
        item.decision = ItemDecision.CONFIRMED if decisions[item.pk] else ItemDecision.DECLINED
        item.decided_at, item.decided_by = now, call
    ChangeItem.objects.bulk_update(decided, ["decision", "decided_at", "decided_by"])
    if any(item.decision == ItemDecision.PENDING for item in items):
        return  # someone else's data changes too: their own call-back is still needed
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
    change_request_step_times_record(request=request)
    audit_record(
        actor=actor,
        action="change_request.verified",
        subject=request,
        at=now,
        summary=gettext_noop("本人確認が済みました（確認できた項目 %(confirmed)s / %(total)s）。"),
        summary_params={"confirmed": len(confirmed), "total": len(items)},
        data={"confirmed_positions": confirmed},
    )


def _reject_denied(
    *, request: ChangeRequest, items: Sequence[ChangeItem], call: CallBack, actor: Actor, now: datetime
) -> None:
    # What others confirmed stays on record; nothing of a rejected request is applied.
    pending = [item for item in items if item.decision == ItemDecision.PENDING]
    for item in pending:
        item.decision, item.decided_at, item.decided_by = ItemDecision.DECLINED, now, call
    ChangeItem.objects.bulk_update(pending, ["decision", "decided_at", "decided_by"])
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
        # Each item with its person concerned: this call decided only the items of the person called.
        "items": [
            {
                "position": item.position,
                "field": item.field,
                "target": item.target,
                "person_concerned": person_concerned(field=item.field, target=item.target),
                "decision": item.decision,
                "decided_by_this_call": item.decided_by_id == call.pk,
            }
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
