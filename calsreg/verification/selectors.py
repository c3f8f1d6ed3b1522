"""Reads of the verification app: the supervisor's link, the desk's panel, what needs attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet

from calsreg.applications.models import Application
from calsreg.applications.states import TRANSITIONS, Status
from calsreg.core import clock
from calsreg.core.calendar import is_business_day
from calsreg.core.secrets import secret_hash
from calsreg.directory.models import Supervisor
from calsreg.directory.selectors import supervisors_of_office
from calsreg.verification.errors import ConfirmationLinkRefused, LinkRefusal
from calsreg.verification.models import (
    Answer,
    CallOutcome,
    ConfirmationRequest,
    PhoneCall,
    UnlistedSenderReply,
)

# Denials stay on the desk's attention list this long after they came in.
DENIAL_ATTENTION_DAYS = 30
ATTENTION_LIST_LIMIT = 200


def directory_supervisors(*, application: Application) -> QuerySet[Supervisor]:
    """Whom the desk may ask: the application's supervisors that are active entries of the directory
    for the application's own office (security invariant 1: never an address from the application)."""
    return supervisors_of_office(office=application.office).filter(applications=application)


def link_refusal(*, request: ConfirmationRequest, application: Application, now: datetime) -> str | None:
    """Why ``request``'s link can't be answered at ``now`` (a ``LinkRefusal``), or None if it can."""
    if request.answered_at is not None:
        return LinkRefusal.USED
    if request.superseded_at is not None:
        return LinkRefusal.SUPERSEDED
    if application.status != Status.AWAITING_CONFIRMATION:
        return LinkRefusal.NOT_AWAITING
    if request.expires_at <= now:
        return LinkRefusal.EXPIRED
    return None


def confirmation_link_check(*, token: str, now: datetime | None = None) -> ConfirmationRequest:
    """The request behind a usable link, with its application, office and supervisor.

    Raises ConfirmationLinkRefused (unknown, used, superseded, application not awaiting, expired).
    """
    request = (
        ConfirmationRequest.objects.select_related("application", "application__office", "supervisor")
        .filter(token_hash=secret_hash(token))
        .first()
    )
    if request is None:
        raise ConfirmationLinkRefused(LinkRefusal.UNKNOWN)
    refusal = link_refusal(request=request, application=request.application, now=now or clock.now())
    if refusal is not None:
        raise ConfirmationLinkRefused(refusal, request=request)
    return request


@dataclass(frozen=True)
class RoundState:
    """The answers and calls that count for the decision (see ``round_state``)."""

    denied_request: ConfirmationRequest | None
    denied_call: PhoneCall | None
    positive_answer: bool
    positive_call: bool


def round_state(
    *,
    application: Application,
    supervisor_ids: set[int],
    requests: list[ConfirmationRequest],
    calls: list[PhoneCall],
) -> RoundState:
    """What counts: answers and calls of the current round (since the last submission — an answer
    given before a correction was resubmitted confirmed other content), from supervisors who are
    still the application's directory supervisors. A reply mail from another sender never counts
    (``sender_mismatch``: recorded as an answer before such replies became ``UnlistedSenderReply``)."""
    since = application.submitted_at
    answers = [
        r
        for r in requests
        if r.answered_at
        and not r.sender_mismatch
        and r.created_at >= since
        and r.supervisor_id in supervisor_ids
    ]
    counted_calls = [c for c in calls if c.called_at >= since and c.supervisor_id in supervisor_ids]
    return RoundState(
        denied_request=next((r for r in answers if r.answer == Answer.DENIED), None),
        denied_call=next((c for c in counted_calls if c.outcome == CallOutcome.DENIED), None),
        positive_answer=any(r.answer == Answer.CONFIRMED for r in answers),
        positive_call=any(c.outcome == CallOutcome.CONFIRMED for c in counted_calls),
    )


@dataclass(frozen=True)
class ConfirmationActions:
    """What the desk may do with an application now, derived from the state table only."""

    send: bool
    resend: bool
    record_answers: bool
    return_for_correction: bool
    reject: bool
    register: bool
    start_use: bool


def confirmation_actions(*, status: str) -> ConfirmationActions:
    allowed = TRANSITIONS.get(status, frozenset())
    awaiting = status == Status.AWAITING_CONFIRMATION
    return ConfirmationActions(
        send=Status.AWAITING_CONFIRMATION in allowed,
        # A re-send keeps the state (awaiting → awaiting) and replaces the open links.
        resend=awaiting,
        # An answer or a call can decide the application: awaiting → confirmed / rejected.
        record_answers=awaiting,
        return_for_correction=Status.RETURNED in allowed,
        reject=Status.REJECTED in allowed,
        register=Status.REGISTERED in allowed,
        start_use=Status.IN_SERVICE in allowed,
    )


@dataclass(frozen=True)
class ConfirmationOverview:
    application: Application
    supervisors: list[Supervisor]
    requests: list[ConfirmationRequest]
    calls: list[PhoneCall]
    # Reply mails from a sender other than the directory address: shown, never counted.
    unlisted_replies: list[UnlistedSenderReply]
    positive_answer: bool
    positive_call: bool
    actions: ConfirmationActions

    @property
    def open_requests(self) -> list[ConfirmationRequest]:
        return [request for request in self.requests if request.is_open]


def confirmation_overview(*, application_id: int) -> ConfirmationOverview:
    """Everything the desk's action panel shows, in a fixed number of queries (five).

    Raises Application.DoesNotExist.
    """
    application = Application.objects.select_related("office").get(pk=application_id)
    supervisors = list(directory_supervisors(application=application))
    requests = list(
        ConfirmationRequest.objects.filter(application=application)
        .select_related("supervisor", "sent_by", "reply_evidence")
        .order_by("-created_at", "-id")
    )
    calls = list(
        PhoneCall.objects.filter(application=application)
        .select_related("supervisor", "called_by")
        .order_by("-called_at", "-id")
    )
    unlisted_replies = list(
        UnlistedSenderReply.objects.filter(request__application=application)
        .select_related("request__supervisor", "evidence")
        .order_by("-created_at", "-id")
    )
    state = round_state(
        application=application,
        supervisor_ids={supervisor.pk for supervisor in supervisors},
        requests=requests,
        calls=calls,
    )
    return ConfirmationOverview(
        application=application,
        supervisors=supervisors,
        requests=requests,
        calls=calls,
        unlisted_replies=unlisted_replies,
        positive_answer=state.positive_answer,
        positive_call=state.positive_call,
        actions=confirmation_actions(status=application.status),
    )


def overdue_requests(*, today: date) -> QuerySet[ConfirmationRequest]:
    """Open, unreminded requests whose due business day has passed, on a business day only (the
    desk is closed otherwise: a reminder waits for the next business day)."""
    if not is_business_day(today):
        return ConfirmationRequest.objects.none()
    return ConfirmationRequest.objects.filter(
        answered_at__isnull=True,
        superseded_at__isnull=True,
        reminded_at__isnull=True,
        due_back_on__lt=today,
        application__status=Status.AWAITING_CONFIRMATION,
    ).order_by("due_back_on", "id")


@dataclass(frozen=True)
class AttentionRow:
    application: Application
    reason: str  # "overdue" | "sender_mismatch" | "denied" | "call_denied"
    at: datetime
    request: ConfirmationRequest | None = None
    call: PhoneCall | None = None
    sender: str = ""  # for "sender_mismatch": the reply's From


def confirmations_needing_attention(
    *, today: date | None = None, now: datetime | None = None
) -> list[AttentionRow]:
    """For the desk, newest first: open requests past their due day, replies from a sender that is
    not the directory address (while the application still awaits), and recent denials."""
    today = today or clock.today()
    since = (now or clock.now()) - timedelta(days=DENIAL_ATTENTION_DAYS)
    awaiting = Q(application__status=Status.AWAITING_CONFIRMATION)
    requests = (
        ConfirmationRequest.objects.filter(
            (awaiting & Q(answered_at__isnull=True, superseded_at__isnull=True, due_back_on__lt=today))
            | (awaiting & Q(sender_mismatch=True))
            | Q(answer=Answer.DENIED, answered_at__gte=since)
        )
        .select_related("application", "application__office", "supervisor")
        .order_by("-updated_at", "-id")[:ATTENTION_LIST_LIMIT]
    )
    calls = (
        PhoneCall.objects.filter(outcome=CallOutcome.DENIED, called_at__gte=since)
        .select_related("application", "application__office", "supervisor")
        .order_by("-called_at", "-id")[:ATTENTION_LIST_LIMIT]
    )
    unlisted = (
        UnlistedSenderReply.objects.filter(request__application__status=Status.AWAITING_CONFIRMATION)
        .select_related("request__application", "request__application__office", "request__supervisor")
        .order_by("-created_at", "-id")[:ATTENTION_LIST_LIMIT]
    )
    rows = [_request_row(request) for request in requests]
    rows += [
        AttentionRow(application=c.application, reason="call_denied", at=c.called_at, call=c) for c in calls
    ]
    rows += [
        AttentionRow(
            application=u.request.application,
            reason="sender_mismatch",
            at=u.created_at,
            request=u.request,
            sender=u.sender,
        )
        for u in unlisted
    ]
    return sorted(rows, key=lambda row: row.at, reverse=True)[:ATTENTION_LIST_LIMIT]


def _request_row(request: ConfirmationRequest) -> AttentionRow:
    if request.answer == Answer.DENIED:
        reason = "denied"
    elif request.sender_mismatch:
        reason = "sender_mismatch"
    else:
        reason = "overdue"
    at = request.answered_at or request.created_at
    sender = request.reply_from if request.sender_mismatch else ""
    return AttentionRow(application=request.application, reason=reason, at=at, request=request, sender=sender)


def confirmation_request_for_reply(*, request_id: int) -> ConfirmationRequest | None:
    """A request (with its application and supervisor) that a received reply names, or None."""
    return (
        ConfirmationRequest.objects.select_related("application", "supervisor").filter(pk=request_id).first()
    )


def confirmation_requests_of_receipt(*, receipt_number: str) -> list[ConfirmationRequest]:
    """Every request of the application with ``receipt_number``, oldest first, with its application
    and supervisor: what a reply naming the receipt number in its subject may answer."""
    return list(
        ConfirmationRequest.objects.select_related("application", "supervisor")
        .filter(application__receipt_number=receipt_number)
        .order_by("id")
    )
