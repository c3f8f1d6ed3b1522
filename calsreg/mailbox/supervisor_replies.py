"""A supervisor's reply to a confirmation mail: threaded to its request, its answer read from its own
text, recorded through ``verification.confirmation_reply_record`` (which checks the sender)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from calsreg.applications.states import Status
from calsreg.core.email_address import same_email_address
from calsreg.core.errors import InvalidTransition, UploadRefused, ValidationFailed
from calsreg.mailbox.classify import Answer, answer_read, own_text, receipt_number_in
from calsreg.mailbox.models import MailboxMessage, MessageKind, TriageReason
from calsreg.mailbox.outcome import Outcome, processed, triage
from calsreg.mailbox.parsing import ParsedMail
from calsreg.notifications.selectors import deliveries_by_message_ids
from calsreg.records.services import Actor
from calsreg.verification.models import Answer as RecordedAnswer
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.selectors import confirmation_request_for_reply, confirmation_requests_of_receipt
from calsreg.verification.services import REMINDER_KIND, REQUEST_KIND, confirmation_reply_record
from calsreg.verification.services.answers import REASON_MAX_CHARS, supervisor_actor

KIND = MessageKind.SUPERVISOR_REPLY
ANSWERS = {Answer.CONFIRMED: RecordedAnswer.CONFIRMED, Answer.DENIED: RecordedAnswer.DENIED}


def threaded_request(mail: ParsedMail) -> ConfirmationRequest | None:
    """The request whose confirmation mail or reminder ``mail`` answers (In-Reply-To, then
    References), by the Message-ID that mail left with; None if it answers none of them."""
    ids = mail.thread_ids()
    found = deliveries_by_message_ids(message_ids=ids, kinds=(REQUEST_KIND, REMINDER_KIND))
    for message_id in ids:
        delivery = found.get(message_id)
        if delivery is None:
            continue
        request_id = delivery.idempotency_key.rpartition(":")[2]
        if request_id.isdigit():
            return confirmation_request_for_reply(request_id=int(request_id))
    return None


def receipt_reply(*, message: MailboxMessage, mail: ParsedMail, raw: bytes) -> Outcome | None:
    """A reply naming a receipt number in its subject, not threaded: taken when exactly one open
    request of that application went to its sender, else left for the desk with the candidates.
    None when the number names no application with a confirmation request."""
    number = receipt_number_in(mail.subject)
    requests = confirmation_requests_of_receipt(receipt_number=number) if number else []
    if not requests:
        return None
    open_requests = [r for r in requests if r.is_open]
    mine = [r for r in open_requests if same_email_address(mail.sender, r.sent_to)]
    if len(mine) == 1:
        return reply_process(
            message=message, mail=mail, raw=raw, request=mine[0], matched_by="receipt_number"
        )
    candidates = [_request_seen(r) for r in (open_requests or requests)]
    if not open_requests:
        return triage(
            kind=KIND,
            why=TriageReason.REPLY_NOT_OPEN,
            reason=_("受付番号 %(number)s の確認依頼は、すべて回答済みか無効です。") % {"number": number},
            receipt_number=number,
            candidates=candidates,
        )
    return triage(
        kind=KIND,
        why=TriageReason.REPLY_UNCLEAR,
        reason=_(
            "件名に受付番号 %(number)s がありますが、差出人あての確認依頼を1つに絞れません。"
            "どの確認依頼への返信か確かめてください。"
        )
        % {"number": number},
        receipt_number=number,
        candidates=candidates,
    )


def _request_seen(request: ConfirmationRequest) -> dict[str, Any]:
    return {
        "request_id": request.pk,
        "application_id": request.application_id,
        "receipt_number": request.application.receipt_number,
        "supervisor": request.supervisor.name,
        "sent_to": request.sent_to,
        "open": request.is_open,
    }


def reply_process(
    *, message: MailboxMessage, mail: ParsedMail, raw: bytes, request: ConfirmationRequest, matched_by: str
) -> Outcome:
    """Record the reply's answer on ``request``, or leave it for the desk saying why not."""
    own = own_text(mail.text)
    answer = answer_read(own)
    seen = {"request": _request_seen(request), "matched_by": matched_by, "answer": answer.value}
    if not request.is_open or request.application.status != Status.AWAITING_CONFIRMATION:
        return _not_open(request, seen)
    if answer not in ANSWERS:
        return triage(
            kind=KIND,
            why=TriageReason.REPLY_UNCLEAR,
            reason=_(
                "受付番号 %(number)s の確認依頼への返信ですが、「確認しました」「心当たりがありません」の"
                "どちらか一方だけが書かれていないため、回答を読み取れません。メールを読んで記録してください。"
            )
            % {"number": request.application.receipt_number},
            **seen,
        )
    directory_sender = same_email_address(mail.sender, request.sent_to) and same_email_address(
        mail.sender, request.supervisor.email
    )
    try:
        recorded = confirmation_reply_record(
            request=request,
            eml=raw,
            answer=ANSWERS[answer],
            reason=own[:REASON_MAX_CHARS].strip() if answer == Answer.DENIED else "",
            actor=supervisor_actor(request.supervisor) if directory_sender else Actor.system("mailbox"),
            filename=f"reply-{message.mailbox}-{message.uid}.eml",
        )
    except InvalidTransition:
        return _not_open(request, seen)
    except (ValidationFailed, UploadRefused) as refusal:
        return triage(kind=KIND, why=TriageReason.REPLY_UNCLEAR, reason=refusal.message, **seen)
    if recorded.unlisted is not None:
        return processed(
            kind=KIND,
            reason=_(
                "差出人が名簿の監督員のアドレスと異なるため、回答には数えず証跡として保存しました"
                "（受付番号 %(number)s）。監督員に確認用リンクでの回答を依頼するか、確認依頼を再送してください。"
            )
            % {"number": request.application.receipt_number},
            result=recorded.unlisted,
            **seen,
        )
    return processed(
        kind=KIND,
        reason=_("監督員 %(name)s の返信（%(answer)s）を受付番号 %(number)s の確認依頼に記録しました。")
        % {
            "name": request.supervisor.name,
            "answer": RecordedAnswer(ANSWERS[answer]).label,
            "number": request.application.receipt_number,
        },
        result=recorded.request,
        **seen,
    )


def _not_open(request: ConfirmationRequest, seen: dict[str, Any]) -> Outcome:
    return triage(
        kind=KIND,
        why=TriageReason.REPLY_NOT_OPEN,
        reason=_(
            "受付番号 %(number)s の確認依頼への返信ですが、その確認依頼は回答済みか再送により無効、"
            "または申込が確認待ちではないため、記録していません。"
        )
        % {"number": request.application.receipt_number},
        **seen,
    )
