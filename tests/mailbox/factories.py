"""Received messages written the way the mailbox reader keeps them: the raw bytes as evidence
(``records.services.evidence_store``, kind RECEIVED_MAIL, subject the message row) and the row; the
state, kind, reason and what was recognised as a test needs them (the classifier's outcome)."""

from __future__ import annotations

import datetime as dt
import itertools
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from calsreg.core.uploads import EML_CONTENT_TYPE
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, evidence_store, sha256_of

JST = dt.timezone(dt.timedelta(hours=9))
ARRIVED = dt.datetime(2026, 11, 24, 9, 5, tzinfo=JST)
_uids = itertools.count(1)


def plain_mail(
    *,
    sender: str = "越後 花子 <hanako@echigo-kensetsu.example.jp>",
    subject: str = "申込についての質問",
    body: str = "いつもお世話になっております。申込の状況を教えてください。",
    message_id: str = "<question-1@echigo-kensetsu.example.jp>",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "uketsuke@calsreg.example.jp"
    message["Subject"] = subject
    message["Date"] = "Tue, 24 Nov 2026 09:05:00 +0900"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def html_only_mail(html: str, *, subject: str = "HTMLのメール") -> bytes:
    headers = [
        "From: someone@example.com",
        "To: uketsuke@calsreg.example.jp",
        f"Subject: {subject}",
        "Date: Tue, 24 Nov 2026 09:05:00 +0900",
        "Message-ID: <html-1@example.com>",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n" + html).encode()


def kept_message(
    raw: bytes,
    *,
    mailbox: str = "reception",
    state: str = MessageState.TRIAGE,
    kind: str = MessageKind.OTHER,
    triage_reason: str = TriageReason.QUESTION,
    reason: str = "申込書・変更申込書が添付されていないため、自動では処理しませんでした。",
    recognised: dict[str, Any] | None = None,
    arrived_at: dt.datetime = ARRIVED,
    **fields: Any,
) -> MailboxMessage:
    """A message kept and classified: the row first (the evidence names it), then its raw bytes."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    uid = next(_uids)
    message = MailboxMessage(
        mailbox=mailbox,
        uidvalidity=1,
        uid=uid,
        message_id=str(parsed.get("message-id", ""))[:300],
        sha256=sha256_of(raw),
        size_bytes=len(raw),
        arrived_at=arrived_at,
        from_address=_address(parsed),
        subject_line=str(parsed.get("subject", ""))[:300],
        state=state,
        kind=kind,
        triage_reason=triage_reason if state == MessageState.TRIAGE else "",
        reason=reason,
        recognised=recognised or {},
        processed_at=arrived_at,
        **fields,
    )
    # The evidence must exist before the row (a NOT NULL foreign key) and names the row: stored on a
    # placeholder subject id first, then pointed at the row once it has its id.
    evidence = evidence_store(
        content=raw,
        original_name=f"{mailbox}-1-{uid}.eml",
        content_type=EML_CONTENT_TYPE,
        kind=EvidenceKind.RECEIVED_MAIL,
        subject=_Placeholder(),
        actor=Actor.system("mailbox"),
        received_at=arrived_at,
    )
    message.evidence = evidence
    message.save()
    type(evidence).objects.filter(pk=evidence.pk).update(subject_id=message.pk)
    evidence.subject_id = message.pk
    return message


class _Placeholder:
    """Stands for the row not saved yet: evidence_store reads only its type and pk."""

    pk = 0
    _meta = MailboxMessage._meta


def _address(parsed: EmailMessage) -> str:
    header = parsed.get("from")
    addresses = getattr(header, "addresses", ())
    return addresses[0].addr_spec if addresses else str(header or "")
