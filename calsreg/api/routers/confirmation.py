"""The supervisor's confirmation through the link's token, as JSON (no API token: the link's token is
the only credential, as on the confirmation page).

The same services and the same refusals as the page (``portal/views/confirm.py``): an unknown token
404; a link already answered or an application no longer awaiting 409; an expired or superseded link
410 — each with the JSON error body and nothing changed. GET changes nothing (mail scanners open
links); POST answers once.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from calsreg.api.schemas.confirmation_public import (
    ConfirmationAnsweredOut,
    ConfirmationSummaryOut,
    SupervisorAnswerIn,
)
from calsreg.api.schemas.errors import ErrorOut
from calsreg.api.throttle import PublicPostThrottle
from calsreg.core.ratelimit import Scope
from calsreg.verification.selectors import confirmation_link_check
from calsreg.verification.services import confirmation_answer_by_link

router = Router(tags=["内容確認（監督員）"])

_LINK_REFUSALS = {404: ErrorOut, 409: ErrorOut, 410: ErrorOut}


def _private(response: HttpResponse) -> None:
    # The token is in the URL and the answer is about one person's work: no cache may keep either.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"


@router.get(
    "/confirmations/{token}",
    response={200: ConfirmationSummaryOut, **_LINK_REFUSALS},
    operation_id="supervisor_confirmation_get",
    summary="確認用リンクの申込内容（監督員向け）",
)
def supervisor_confirmation_get(request: HttpRequest, response: HttpResponse, token: str):
    """確認メールのリンクの末尾（トークン）で、監督員に確認をお願いしている申込の概要を返します。
    何も変更しません。無効なリンクは 404、回答済み・確認受付終了は 409、期限切れ・再送で無効は 410 です。"""
    _private(response)
    return confirmation_link_check(token=token)


@router.post(
    "/confirmations/{token}",
    response={200: ConfirmationAnsweredOut, **_LINK_REFUSALS, 422: ErrorOut},
    operation_id="supervisor_confirmation_answer",
    throttle=PublicPostThrottle(Scope.CONFIRM),
    summary="申込内容を確認・否認する（監督員の回答、1回限り）",
)
def supervisor_confirmation_answer(
    request: HttpRequest, response: HttpResponse, token: str, payload: SupervisorAnswerIn
):
    """answer は confirmed（申込は正しい）か denied（心当たりがない・誤り。reason が必要）。
    1回だけ回答でき、2回目以降は 409 です。否認すると申込は却下され、申込者には理由を伝えません。"""
    _private(response)
    return confirmation_answer_by_link(token=token, answer=payload.answer.value, reason=payload.reason)
