"""Classify one kept message and hand it to the one domain service of its kind (issue 14, item 2).

The contract the reader relies on (``calsreg.mailbox.reader``):
- ``message_process`` is called inside the reader's transaction, with ``message`` locked and in state
  ``RECEIVED``, and ``raw`` the bytes kept as its evidence; a message in any other state is left as
  it is (processed once, never twice);
- it makes at most one domain call, and leaves the row ``PROCESSED`` (something was recorded: an
  application, a reply, a change request, a bounce) or ``TRIAGE`` (for the desk, with the reason),
  ``kind``, ``reason``, ``recognised``, ``result_type``/``result_id`` and ``processed_at`` set and saved;
- a refusal by the domain (a workbook with problems…) is an outcome, not an exception; an exception
  means "could not be done now" (the database went away, the disk is full…): everything rolls back
  and the reader tries the message again on a later pass. Hostile input (undecodable headers, lone
  surrogates, absurd sizes) is an outcome too: it never raises.

The order of the tests, and why, is in ``classify``; what each outcome means for the desk is in
docs/mailbox.md.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from calsreg.core import clock
from calsreg.core.subjects import subject_type_of
from calsreg.core.uploads import size_text
from calsreg.mailbox.bounces import bounce_process
from calsreg.mailbox.classify import (
    auto_reply_marker,
    has_null_sender,
    is_delivery_report,
    is_excel,
    is_from_daemon,
    receipt_number_in,
)
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.mailbox.outcome import Outcome, triage
from calsreg.mailbox.parsing import ParsedMail, mail_parse, safe_text
from calsreg.mailbox.supervisor_replies import receipt_reply, reply_process, threaded_request
from calsreg.mailbox.workbooks import workbook_process

logger = logging.getLogger(__name__)


def mail_max_bytes() -> int:
    """Larger than any mail carrying one workbook within the upload limit (base64 adds a third)."""
    return 2 * settings.UPLOAD_MAX_BYTES


def message_process(*, message: MailboxMessage, raw: bytes) -> None:
    """Classify ``message`` (kept, ``RECEIVED``) and record what it is; see the module's contract."""
    if message.state != MessageState.RECEIVED:
        logger.warning("mailbox message %s is %s, not processed again", message.pk, message.state)
        return
    with translation.override(settings.LANGUAGE_CODE):
        if len(raw) > mail_max_bytes():
            mail = ParsedMail(message=None)
            outcome = _too_large(len(raw))
        else:
            mail = mail_parse(raw=raw)
            outcome = _classified(message=message, mail=mail, raw=raw)
    _save(message=message, mail=mail, outcome=outcome)


def _classified(*, message: MailboxMessage, mail: ParsedMail, raw: bytes) -> Outcome:
    if mail.message is None:
        return triage(
            kind=MessageKind.OTHER,
            why=TriageReason.UNREADABLE,
            reason=_("メールとして読み取れません。受信したメールの原本を確認してください。"),
        )
    if is_delivery_report(mail):
        return bounce_process(mail)
    marker = auto_reply_marker(mail)
    if marker:
        return triage(
            kind=MessageKind.AUTO_REPLY,
            why=TriageReason.AUTO_REPLY,
            reason=_("自動応答のメール（%(marker)s）です。返信はしていません。") % {"marker": marker},
            marker=marker,
        )
    if has_null_sender(mail) or is_from_daemon(mail):
        return bounce_process(mail)
    request = threaded_request(mail)
    if request is not None:
        return reply_process(message=message, mail=mail, raw=raw, request=request, matched_by="thread")
    return _by_attachments(message=message, mail=mail, raw=raw)


def _by_attachments(*, message: MailboxMessage, mail: ParsedMail, raw: bytes) -> Outcome:
    workbooks = [attachment for attachment in mail.attachments if is_excel(attachment)]
    if len(workbooks) > 1:
        return triage(
            kind=MessageKind.OTHER,
            why=TriageReason.SEVERAL_WORKBOOKS,
            reason=_(
                "Excelファイルが%(count)s個添付されています（%(names)s）。どれを受け付けるか判断してください。"
            )
            % {"count": len(workbooks), "names": "、".join(w.filename or w.content_type for w in workbooks)},
        )
    if workbooks:
        return workbook_process(message=message, mail=mail, raw=raw, workbook=workbooks[0])
    answered = receipt_reply(message=message, mail=mail, raw=raw)
    if answered is not None:
        return answered
    if mail.unreadable:
        return triage(
            kind=MessageKind.OTHER,
            why=TriageReason.UNREADABLE,
            reason=_("読み取れない添付ファイルがあります（%(names)s）。")
            % {"names": "、".join(mail.unreadable)},
        )
    number = receipt_number_in(mail.subject)
    return triage(
        kind=MessageKind.OTHER,
        why=TriageReason.QUESTION,
        reason=_("申込書・変更申込書が添付されていないメールです。内容を読んで対応してください。"),
        **({"receipt_number": number} if number else {}),
    )


def _too_large(size: int) -> Outcome:
    return triage(
        kind=MessageKind.OTHER,
        why=TriageReason.TOO_LARGE,
        reason=_("メールが大きすぎるため（%(size)s、上限%(limit)s）、内容を読み取っていません。")
        % {"size": size_text(size), "limit": size_text(mail_max_bytes())},
        size=size,
    )


def _save(*, message: MailboxMessage, mail: ParsedMail, outcome: Outcome) -> None:
    message.state = outcome.state
    message.kind = outcome.kind
    message.triage_reason = outcome.triage_reason
    message.reason = safe_text(outcome.reason, limit=5000)
    message.recognised = (
        {**mail.seen(), **outcome.recognised} if mail.message is not None else outcome.recognised
    )
    if outcome.result is not None:
        message.result_type = subject_type_of(outcome.result)
        message.result_id = outcome.result.pk
    message.processed_at = clock.now()
    # The reader may have left them empty (a header it could not read): filled from what was parsed.
    message.from_address = message.from_address or mail.from_header[:300]
    message.subject_line = message.subject_line or safe_text(mail.subject, limit=300)
    message.save(
        update_fields=[
            "state",
            "kind",
            "triage_reason",
            "reason",
            "recognised",
            "result_type",
            "result_id",
            "processed_at",
            "from_address",
            "subject_line",
            "updated_at",
        ]
    )
