"""The help desk's work on change requests (seed steps 8–9), for automation: the list, one request with
its diff and, per item, the person concerned and their number on file, the call-back, apply, reject
and assignment.

Each handler parses its input, calls the one service the desk's screens call too, and returns its
result; refusals become the JSON error body (``calsreg.api.errors``). The call-back names the person
called by their key — it has no default — and decides only that person's items; no body can carry a
phone number (unknown keys are a 422). Staff token only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from calsreg.accounts.models import User
from calsreg.api.auth import DeskStaffToken
from calsreg.api.schemas.changes_desk import (
    CallBackIn,
    CallBackRecordedOut,
    ChangeApplyIn,
    ChangeAssignIn,
    ChangeDetailOut,
    ChangeListPageOut,
    ChangeListQueryIn,
    ChangeRejectIn,
    ChangeStateOut,
)
from calsreg.api.schemas.errors import ErrorOut
from calsreg.changes.catalog import person_concerned
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus
from calsreg.changes.registration import people_concerned
from calsreg.changes.selectors import (
    change_request_for_desk,
    change_requests_for_desk,
    diff_rows,
    request_fee_impact,
)
from calsreg.changes.services import (
    callback_record,
    change_request_apply,
    change_request_assign,
    change_request_reject,
    change_request_viewed,
)
from calsreg.core.errors import FieldError, NotFound, ValidationFailed
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome

router = Router(tags=["変更申込の本人確認・反映（ヘルプデスク）"], auth=DeskStaffToken())

CHANGE = "/changes/{number}"
_REFUSALS = {401: ErrorOut, 403: ErrorOut}
_ACTION_REFUSALS = {**_REFUSALS, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _actor(request: HttpRequest) -> Actor:
    return Actor.api(request.auth)  # type: ignore[attr-defined]


def _change(number: str) -> ChangeRequest:
    found = ChangeRequest.objects.filter(number=number.strip().upper()).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(_("その変更受付番号の変更申込はありません。"))
    return change_request_for_desk(pk=found)


# --- shaping the answers ----------------------------------------------------------------------------


def _state(change: ChangeRequest) -> dict[str, Any]:
    return {
        "number": change.number,
        "status": change.status,
        "status_label": str(change.get_status_display()),
        "impersonation_suspected": change.impersonation_suspected,
        "decision_note": change.decision_note,
        "assigned_to": change.assigned_to.get_username() if change.assigned_to else None,
        "verified_at": change.verified_at,
        "applied_at": change.applied_at,
        "rejected_at": change.rejected_at,
        "items": [
            {
                "position": row.item.position,
                "kind": row.item.kind,
                "field": row.item.field,
                "label": row.label,
                "target": row.target,
                "person_concerned": person_concerned(field=row.item.field, target=row.item.target),
                "before": row.before,
                "current": row.current,
                "after": row.after,
                "decision": row.item.decision,
                "applied_at": row.item.applied_at,
                "outcome": row.item.outcome,
            }
            for row in diff_rows(change)
        ],
    }


def _call(call: CallBack) -> dict[str, Any]:
    return {
        "id": call.pk,
        "contact": call.contact,
        "contact_name": call.contact_name,
        "phone_number": call.phone_number,
        "called_at": call.called_at,
        "called_by": call.called_by.get_username(),
        "outcome": call.outcome,
        "note": call.note,
        "evidence_sha256": call.evidence.sha256 if call.evidence else None,
    }


def _people(change: ChangeRequest) -> list[dict[str, Any]]:
    return [
        {
            "key": person.key,
            "label": person.label,
            "name": person.name,
            "phone": person.phone,
            "positions": [item.position for item in person.items],
            "unverified_positions": [item.position for item in person.pending],
            "to_call": person.to_call and change.status == ChangeStatus.SUBMITTED,
        }
        for person in people_concerned(change)
    ]


def _detail(change: ChangeRequest) -> dict[str, Any]:
    fee = request_fee_impact(change)
    return {
        **_state(change),
        "channel": change.channel,
        "submitted_at": change.submitted_at,
        "project_number": change.project.project_number,
        "project_name": change.project.name,
        "requester_name": change.requester_name,
        "requester_phone_stated": change.requester_phone,
        "requester_email_stated": change.requester_email,
        "reason": change.reason,
        "notices": list(change.notices),
        "people_concerned": _people(change),
        "call_backs": [_call(call) for call in change.call_backs.all()],
        "fee_impact": None
        if fee is None
        else {
            "current_total": fee.current_total,
            "new_total": fee.new_total,
            "difference": fee.difference,
            "explanation": fee.explanation,
            "billing_configured": fee.billing_configured,
            "settlement": str(fee.settlement),
        },
        "form_evidence_sha256": change.form_evidence.sha256 if change.form_evidence else None,
    }


def _fresh_state(change: ChangeRequest) -> dict[str, Any]:
    return _state(change_request_for_desk(pk=change.pk))


# --- endpoints --------------------------------------------------------------------------------------


@router.get(
    "/changes",
    response={200: ChangeListPageOut, 422: ErrorOut, **_REFUSALS},
    operation_id="change_requests_list",
    summary="変更申込の一覧",
)
def change_requests_list(request: HttpRequest, query: Query[ChangeListQueryIn]):
    """デスクの変更申込一覧と同じ絞り込み・並び順（新しい順）です。page_size 件ずつ（省略時50件）、総数付きで返します。"""
    requests = change_requests_for_desk(
        status=query.status.value if query.status else "",
        assigned_to=request.auth if query.mine else None,  # type: ignore[attr-defined]
        text=query.q.strip(),
    ).prefetch_related("items")
    page = query.page_of(requests)
    return {
        **page,
        "items": [
            {
                "number": change.number,
                "status": change.status,
                "status_label": str(change.get_status_display()),
                "channel": change.channel,
                "submitted_at": change.submitted_at,
                "project_number": change.project.project_number,
                "project_name": change.project.name,
                "kinds": sorted({item.kind for item in change.items.all()}),
                "item_count": change.item_count,  # type: ignore[attr-defined]
                "requester_name": change.requester_name,
                "assigned_to": change.assigned_to.get_username() if change.assigned_to else None,
                "impersonation_suspected": change.impersonation_suspected,
            }
            for change in page["items"]
        ],
    }


@router.get(
    CHANGE,
    response={200: ChangeDetailOut, 404: ErrorOut, **_REFUSALS},
    operation_id="change_request_get",
    summary="変更申込の詳細（登録内容との比較・項目ごとの本人と登録済みの番号。個人情報を含む・閲覧を記録）",
)
def change_request_get(request: HttpRequest, number: str):
    """項目ごとの申込時・現在・変更後の値と本人（person_concerned）、本人ごとの登録済みの電話番号と
    未確認の項目（people_concerned）、通話記録、料金への影響を返します。申込書に記載の電話番号は
    requester_phone_stated で、発信先にはなりません。"""
    change = _change(number)
    change_request_viewed(request=change, actor=_actor(request))
    return _detail(change)


@router.post(
    f"{CHANGE}/callbacks",
    response={201: CallBackRecordedOut, **_ACTION_REFUSALS},
    operation_id="change_request_callback_record",
    summary="本人確認の電話（登録済みの番号への折り返し）を記録する",
)
def change_request_callback_create(request: HttpRequest, number: str, payload: CallBackIn):
    """contact に電話した本人の key（people_concerned の key）を指定します。記録する電話番号はその
    本人の登録済みの番号で、指定はできません。本人確認できるのは、その本人の情報を変える項目だけです。
    confirmed ではその本人の未確認の項目すべての decisions が必要で、ほかの人の項目の decisions は
    422 で拒否され、何も記録されません。すべての項目の本人の確認が済むと、確認できた項目があれば
    本人確認済みに、全項目が取りやめなら不承認になります。denied は不承認（なりすましの疑い）で、
    メールアドレス変更の申込なら元のアドレスに知らせます。"""
    change = _change(number)
    positions = {item.position: item.pk for item in change.items.all()}
    unknown = [d.position for d in payload.decisions if d.position not in positions]
    if unknown:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="decisions",
                    label=_("項目ごとの確認"),
                    message=_("変更%(n)sという項目はありません。行番号を確認してください。")
                    % {"n": position},
                )
                for position in unknown
            ]
        )
    outcome = payload.outcome.value
    called_at = payload.called_at
    if called_at is not None and timezone.is_naive(called_at):
        called_at = timezone.make_aware(called_at)
    try:
        call = callback_record(
            request=change,
            contact=payload.contact,
            outcome=outcome,
            decisions={positions[d.position]: d.confirmed for d in payload.decisions}
            if outcome == CallOutcome.CONFIRMED
            else None,
            note=payload.note,
            called_at=called_at,
            actor=_actor(request),
        )
    except ValidationFailed as refused:
        raise ValidationFailed(errors=_by_position(refused.errors, positions)) from refused
    call = CallBack.objects.select_related("called_by", "evidence").get(pk=call.pk)
    return Status(201, {"change": _fresh_state(change), "call": _call(call)})


def _by_position(errors: list[FieldError], positions: dict[int, int]) -> list[FieldError]:
    """The service names an item by its id (``item_12``); a client knows it by its position."""
    field_of = {f"item_{pk}": f"decisions[{position}]" for position, pk in positions.items()}
    return [
        FieldError(field=field_of.get(error.field, error.field), label=error.label, message=error.message)
        for error in errors
    ]


@router.post(
    f"{CHANGE}/apply",
    response={200: ChangeStateOut, **_ACTION_REFUSALS},
    operation_id="change_request_apply",
    summary="本人確認で確認できた項目を反映する",
)
def change_request_apply_create(request: HttpRequest, number: str, payload: ChangeApplyIn):
    """本人確認済みの変更申込だけ反映できます（それ以外は 409 で、何も変わりません）。
    項目ごとの結果は items[].outcome に、申込者には反映結果のメールを送ります。"""
    change = _change(number)
    change_request_apply(request=change, actor=_actor(request))
    return _fresh_state(change)


@router.post(
    f"{CHANGE}/reject",
    response={200: ChangeStateOut, **_ACTION_REFUSALS},
    operation_id="change_request_reject",
    summary="変更申込を不承認にする",
)
def change_request_reject_create(request: HttpRequest, number: str, payload: ChangeRejectIn):
    """登録内容は変えません。申込者には理由を書かない通知を送ります。"""
    change = _change(number)
    change_request_reject(request=change, reason=payload.reason, actor=_actor(request))
    return _fresh_state(change)


@router.post(
    f"{CHANGE}/assign",
    response={200: ChangeStateOut, **_ACTION_REFUSALS},
    operation_id="change_request_assign",
    summary="変更申込の担当者を決める",
)
def change_request_assign_create(request: HttpRequest, number: str, payload: ChangeAssignIn):
    """operator にヘルプデスク職員のユーザー名を、null で担当なしにします。"""
    change = _change(number)
    operator = None
    if payload.operator:
        operator = User.objects.filter(username=payload.operator.strip()).first()
        if operator is None:
            raise ValidationFailed(
                errors=[
                    FieldError(
                        field="operator",
                        label=_("担当者"),
                        message=_("担当者はヘルプデスクの職員から選んでください。"),
                    )
                ]
            )
    change_request_assign(request=change, operator=operator, actor=_actor(request))
    return _fresh_state(change)
