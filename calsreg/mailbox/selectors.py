"""Reads of received mail for the desk: the triage list, the log of every message, one message, the
confirmation requests a reply may answer."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from calsreg.applications.models import Application
from calsreg.core.errors import UploadRefused
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.records.selectors import evidence_read
from calsreg.verification.models import ConfirmationRequest, UnlistedSenderReply
from calsreg.verification.reply_mail import reply_mail_read
from calsreg.verification.selectors import confirmation_request_for_reply, confirmation_requests_of_receipt

# Newest first; the id breaks ties so the desk can page by key (``mailbox_triage_idx`` and
# ``mailbox_arrived_idx`` hold the same order).
ARRIVED_ORDER = ("-arrived_at", "-id")
TEXT_SEARCH_MAX_CHARS = 100


@dataclass(frozen=True)
class MessageFilters:
    """What the desk narrowed a list to; an empty value (or one not among the choices) is no filter."""

    reason: str = ""
    mailbox: str = ""
    state: str = ""
    kind: str = ""
    text: str = ""


def mailbox_names() -> list[str]:
    """The configured mailboxes' names, for the filter."""
    return [box.name for box in settings.MAILBOXES]


@dataclass(frozen=True)
class ReplyPreview:
    """What recording ``message`` as a reply to ``request`` would do, shown before the desk confirms:
    ``counts`` is the very rule ``confirmation_reply_record`` applies (``ReplyMail.counts_for``)."""

    request: ConfirmationRequest
    counts: bool


def reply_preview(*, message: MailboxMessage, request_id: int) -> ReplyPreview | None:
    """The request a desk operator chose for ``message`` and whether its sender would count; None when
    no such request exists."""
    request = confirmation_request_for_reply(request_id=request_id)
    if request is None:
        return None
    content = evidence_read(evidence=message.evidence).content
    try:
        mail = reply_mail_read(content=content or b"")
    except UploadRefused:
        return ReplyPreview(request=request, counts=False)
    return ReplyPreview(
        request=request,
        counts=mail.counts_for(sent_to=request.sent_to, directory_address=request.supervisor.email),
    )


def messages_in_triage(*, filters: MessageFilters | None = None) -> QuerySet[MailboxMessage]:
    """Messages waiting for the desk (state ``TRIAGE``), newest first.

    The text search (sender, subject) is a substring match: cheap here because the triage list is
    what the desk has not yet dealt with, read through the partial index of that state.
    """
    filters = filters or MessageFilters()
    messages = MailboxMessage.objects.filter(state=MessageState.TRIAGE)
    if filters.reason in TriageReason.values:
        messages = messages.filter(triage_reason=filters.reason)
    messages = _by_mailbox(messages, filters.mailbox)
    text = filters.text.strip()[:TEXT_SEARCH_MAX_CHARS]
    if text:
        messages = messages.filter(Q(from_address__icontains=text) | Q(subject_line__icontains=text))
    return messages.order_by(*ARRIVED_ORDER)


def messages_received(*, filters: MessageFilters | None = None) -> QuerySet[MailboxMessage]:
    """Every kept message, whatever became of it, newest first, by state, kind and mailbox."""
    filters = filters or MessageFilters()
    messages = MailboxMessage.objects.all()
    if filters.state in MessageState.values:
        messages = messages.filter(state=filters.state)
    if filters.kind in MessageKind.values:
        messages = messages.filter(kind=filters.kind)
    return _by_mailbox(messages, filters.mailbox).order_by(*ARRIVED_ORDER)


def _by_mailbox(messages: QuerySet[MailboxMessage], mailbox: str) -> QuerySet[MailboxMessage]:
    return messages.filter(mailbox=mailbox) if mailbox else messages


def triage_count_query() -> QuerySet[MailboxMessage]:
    """The rows the desk's menu counts (a queryset, so the menu can read it with other counts)."""
    return MailboxMessage.objects.filter(state=MessageState.TRIAGE)


def message_for_desk(*, pk: int) -> MailboxMessage:
    """One message with its kept file and who handled it; raises ``MailboxMessage.DoesNotExist``."""
    return MailboxMessage.objects.select_related("evidence", "handled_by").get(pk=pk)


def reply_candidates(*, receipt_number: str) -> list[ConfirmationRequest]:
    """The open confirmation requests of the application with this receipt number, oldest first (none
    when there is no such application): what a supervisor's reply about it can answer."""
    number = receipt_number.strip().upper()
    if not number:
        return []
    return [request for request in confirmation_requests_of_receipt(receipt_number=number) if request.is_open]


# What a message's result (``result_type``, named like every subject: ``subject_type_of``) belongs to
# when it is not an application itself: the application it is about, read by one query per type.
_RESULT_APPLICATION: dict[str, tuple[type[ConfirmationRequest] | type[UnlistedSenderReply], str]] = {
    "confirmationrequest": (ConfirmationRequest, "application_id"),
    "unlistedsenderreply": (UnlistedSenderReply, "request__application_id"),
}


def result_applications(*, messages: list[MailboxMessage]) -> dict[int, int]:
    """For each message whose result is an application, a reply to one of its confirmation requests
    or a reply kept without counting: message pk → application pk (one query per such kind)."""
    found: dict[int, int] = {}
    wanted: dict[str, dict[int, list[int]]] = {}
    for message in messages:
        if message.result_id is None:
            continue
        if message.result_type == "application":
            found[message.pk] = message.result_id
        elif message.result_type in _RESULT_APPLICATION:
            wanted.setdefault(message.result_type, {}).setdefault(message.result_id, []).append(message.pk)
    for result_type, by_id in wanted.items():
        model, path = _RESULT_APPLICATION[result_type]
        for pk, application_id in model._default_manager.filter(pk__in=by_id).values_list("pk", path):
            for message_pk in by_id[pk]:
                found[message_pk] = application_id
    return found


def application_receipt_numbers(*, ids: set[int]) -> dict[int, str]:
    """Receipt numbers by application pk, for linking many rows at once (one query)."""
    if not ids:
        return {}
    return dict(Application.objects.filter(pk__in=ids).values_list("pk", "receipt_number"))
