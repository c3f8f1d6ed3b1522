"""The decision after each answer or call (seed step 3, security invariant 2).

Confirmed = a positive answer from a supervisor (link or mail) **and** a positive call; a denial on
either channel rejects the application as suspected impersonation. Nothing else confirms it.
"""

from __future__ import annotations

from datetime import datetime

from calsreg.applications.models import Application
from calsreg.applications.services import application_confirm, application_reject
from calsreg.applications.states import Status
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome, ConfirmationRequest, PhoneCall, ReplyChannel
from calsreg.verification.selectors import RoundState, directory_supervisors, round_state


def confirmation_decide(*, application: Application, actor: Actor, now: datetime) -> Application:
    """Confirm or reject ``application`` if its answers and calls now decide it; else leave it.

    Call inside the caller's transaction, with the application row locked (``select_for_update``),
    right after recording an answer or a call. Returns the application as it now is.
    """
    if application.status != Status.AWAITING_CONFIRMATION:
        return application
    supervisor_ids = set(directory_supervisors(application=application).values_list("pk", flat=True))
    state = round_state(
        application=application,
        supervisor_ids=supervisor_ids,
        requests=list(
            ConfirmationRequest.objects.filter(application=application, answered_at__isnull=False)
            .select_related("supervisor")
            .order_by("answered_at", "id")
        ),
        calls=list(
            PhoneCall.objects.filter(application=application)
            .select_related("supervisor")
            .order_by("called_at", "id")
        ),
    )
    if state.denied_request is not None or state.denied_call is not None:
        # The applicant's notice from application_reject is neutral: a forger must not learn why.
        return application_reject(
            application=application, reason=_denial_reason(state), actor=actor, impersonation_suspected=True
        )
    if state.positive_answer and state.positive_call:
        return application_confirm(application=application, actor=actor, at=now)
    return application


def _denial_reason(state: RoundState) -> str:
    """The desk's internal reason (kept in Japanese, the desk's working language)."""
    if state.denied_request is not None:
        request = state.denied_request
        channel = "確認用リンク" if request.answer_channel == ReplyChannel.LINK else "返信メール"
        return (
            f"なりすましの疑い: 監督員 {request.supervisor.name}（名簿）が{channel}で申込を否認しました。"
            f"理由: {request.reason}"
        )
    call = state.denied_call
    assert call is not None and call.outcome == CallOutcome.DENIED
    return f"なりすましの疑い: 監督員 {call.supervisor.name}（名簿）が電話で申込を否認しました。メモ: {call.note}"
