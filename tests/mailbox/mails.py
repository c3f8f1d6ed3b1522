"""Received mails as raw RFC 5322 bytes, and the kept message the reader makes of each.

Each builder returns the bytes a mail server would hold: an application with a real workbook, a
change form, a supervisor's reply threaded by In-Reply-To / References, a DSN bounce, an
out-of-office answer, a question, two workbooks, an HTML-only mail — and hostile ones.
"""

from __future__ import annotations

import datetime as dt
import itertools
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from django.db import transaction

from calsreg.core.uploads import XLSX_CONTENT_TYPE
from calsreg.mailbox.models import MailboxMessage
from calsreg.mailbox.processing import message_process
from calsreg.notifications.models import Delivery
from calsreg.records.models import Evidence, EvidenceKind
from calsreg.records.services import Actor, evidence_store, sha256_of
from calsreg.verification.models import ConfirmationRequest
from tests.verification.helpers import awaiting_application, deliver

HELP_DESK = "helpdesk@calsreg.example.jp"
# The supervisor's directory address the confirmation mails go to (the ``supervisor`` fixture's).
DIRECTORY = "yamada.n@office.example.pref-niigata.jp"
APPLICANT = "hanako@echigo-kensetsu.example.jp"
_uids = itertools.count(1)


def mail(
    *,
    sender: str = f"越後 花子 <{APPLICANT}>",
    subject: str = "利用申込書の送付",
    body: str = "いつもお世話になっております。利用申込書を添付します。\n越後建設 信濃",
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    headers: dict[str, str] | None = None,
    message_id: str = "<20261124090500.1234@echigo-kensetsu.example.jp>",
    html: str | None = None,
) -> bytes:
    """A mail as a mail program writes it; ``headers`` added as given (In-Reply-To, Auto-Submitted…)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = HELP_DESK
    message["Subject"] = subject
    message["Date"] = "Tue, 24 Nov 2026 09:05:00 +0900"
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for filename, content, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes(policy=SMTP)


def application_mail(workbook: bytes, **kwargs: Any) -> bytes:
    return mail(attachments=[("利用申込書_越後建設.xlsx", workbook, XLSX_CONTENT_TYPE)], **kwargs)


def change_mail(workbook: bytes, **kwargs: Any) -> bytes:
    kwargs.setdefault("subject", "変更申込書の送付")
    return mail(attachments=[("変更申込書.xlsx", workbook, XLSX_CONTENT_TYPE)], **kwargs)


def two_workbooks_mail(first: bytes, second: bytes) -> bytes:
    return mail(
        attachments=[
            ("利用申込書_1.xlsx", first, XLSX_CONTENT_TYPE),
            ("利用申込書_2.xlsx", second, XLSX_CONTENT_TYPE),
        ]
    )


def reply_mail(
    *,
    sender: str,
    body: str,
    in_reply_to: str = "",
    references: str = "",
    subject: str = "Re: 【新潟県CALSシステム】利用申込内容のご確認のお願い",
    message_id: str = "<reply-1@office.example.pref-niigata.jp>",
) -> bytes:
    """A supervisor's reply: the own text, then the original quoted below the client's quote header."""
    headers = {}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = references
    return mail(sender=sender, subject=subject, body=body, headers=headers, message_id=message_id)


QUOTED_TEMPLATE = (
    "2026年11月24日(火) 10:00 新潟県CALSヘルプデスク <helpdesk@calsreg.example.jp>:\n"
    "> 次の2行のうち当てはまらない行を削除してお送りください。\n"
    "> 確認しました\n"
    "> 心当たりがありません\n"
)


def dsn_mail(*, returned_message_id: str, recipient: str, status: str = "5.1.1") -> bytes:
    """A delivery status notification (RFC 3464) returning the whole original mail."""
    boundary = "dsn-boundary-1"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.jp>\r\n"
        f"To: {HELP_DESK}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Tue, 24 Nov 2026 10:05:00 +0900\r\n"
        "Message-ID: <dsn-1@mx.example.jp>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.jp\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        f"Status: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: {HELP_DESK}\r\nTo: {recipient}\r\nSubject: notice\r\n"
        f"Message-ID: {returned_message_id}\r\n\r\nbody\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def out_of_office_mail(*, in_reply_to: str = "") -> bytes:
    headers = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    return mail(
        sender="山田 直樹 <yamada.n@office.example.pref-niigata.jp>",
        subject="不在のお知らせ",
        body="11月30日まで不在にしております。",
        headers=headers,
    )


def kept(
    raw: bytes, *, mailbox: str = "reception", from_address: str = "", subject_line: str = ""
) -> MailboxMessage:
    """The row the reader keeps before processing: the raw bytes as RECEIVED_MAIL evidence whose
    subject is the row, keyed by UIDVALIDITY/UID."""
    with transaction.atomic():
        placeholder = Actor.system("mailbox")
        uid = next(_uids)
        message = MailboxMessage(
            mailbox=mailbox,
            uidvalidity=1,
            uid=uid,
            sha256=sha256_of(raw),
            size_bytes=len(raw),
            arrived_at=dt.datetime.now(dt.UTC),
            from_address=from_address,
            subject_line=subject_line,
        )
        # The row's id is needed as the evidence's subject, and the row needs its evidence: the file
        # is kept first and pointed at the row once it has an id, in the same transaction.
        evidence = evidence_store(
            content=raw,
            original_name=f"{mailbox}-{uid}.eml",
            content_type="message/rfc822",
            kind=EvidenceKind.RECEIVED_MAIL,
            subject=_Unsaved(),
            actor=placeholder,
        )
        message.evidence = evidence
        message.save()
        Evidence.objects.filter(pk=evidence.pk).update(subject_id=message.pk)
    return message


class _Unsaved:
    """A stand-in subject with the kept message's type and a provisional id."""

    _meta = MailboxMessage._meta
    pk = 0


def processed(raw: bytes, **kwargs: Any) -> MailboxMessage:
    """Kept, then processed in its own transaction (as the reader does); the row read back."""
    message = kept(raw, **kwargs)
    with transaction.atomic():
        locked = MailboxMessage.objects.select_for_update().get(pk=message.pk)
        message_process(message=locked, raw=raw)
    message.refresh_from_db()
    return message


def confirmation_sent(desk: Actor, supervisor: Any, **overrides: Any) -> tuple[Any, Delivery]:
    """An application awaiting confirmation whose confirmation mail was sent (so it has its
    Message-ID): the application and that delivery."""
    application = awaiting_application(desk=desk, supervisor=supervisor, **overrides)
    deliver()
    request = ConfirmationRequest.objects.get(application=application)
    return application, Delivery.objects.get(idempotency_key=f"confirmation_request:{request.pk}")
