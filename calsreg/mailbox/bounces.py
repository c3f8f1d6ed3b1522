"""Bounces of the system's own mails: the delivery status notification read, the delivery found by
the returned mail's Message-ID and marked failed for good (the desk's failed-mail list shows it)."""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import HeaderParser

from django.utils.translation import gettext as _

from calsreg.core import clock
from calsreg.mailbox.models import MessageKind, TriageReason
from calsreg.mailbox.outcome import Outcome, processed, triage
from calsreg.mailbox.parsing import MESSAGE_ID_RE, ParsedMail, safe_text
from calsreg.notifications.selectors import deliveries_by_message_ids
from calsreg.notifications.services import delivery_bounce_record

REPORT_FIELDS = ("action", "status", "diagnostic-code", "final-recipient", "original-recipient")


@dataclass(frozen=True)
class Bounce:
    message_ids: tuple[str, ...]  # of the returned mail, most reliable first
    status: str
    diagnostic: str
    recipients: tuple[str, ...]

    @property
    def reason(self) -> str:
        return " ".join(part for part in (self.status, self.diagnostic) if part) or _("配信不能の通知")

    def seen(self) -> dict[str, object]:
        return {
            "message_ids": list(self.message_ids),
            "status": self.status,
            "diagnostic": self.diagnostic,
            "recipients": list(self.recipients),
        }


def bounce_read(mail: ParsedMail) -> Bounce:
    """The returned mail's Message-ID(s), the status and the diagnostic of a bounce; never raises."""
    ids: list[str] = []
    fields: dict[str, list[str]] = {}
    message = mail.message
    if message is not None:
        for part in _parts(message):
            _part_read(part, ids=ids, fields=fields)
    ids += mail.thread_ids()
    for line in mail.text.splitlines():
        if line.strip().lower().startswith("message-id:"):
            ids += MESSAGE_ID_RE.findall(line)
    recipients = [value.partition(";")[2].strip() or value for value in fields.get("final-recipient", [])]
    recipients += [
        address.strip() for address in mail.header("x-failed-recipients").split(",") if address.strip()
    ]
    return Bounce(
        message_ids=tuple(dict.fromkeys(ids)),
        status=safe_text(", ".join(dict.fromkeys(fields.get("status", []))), limit=100),
        diagnostic=safe_text(" / ".join(dict.fromkeys(fields.get("diagnostic-code", []))), limit=1000),
        recipients=tuple(dict.fromkeys(safe_text(r, limit=254) for r in recipients)),
    )


def _parts(message: Message) -> list[Message]:
    try:
        return list(message.walk())[:200]
    except Exception:
        return []


def _part_read(part: Message, *, ids: list[str], fields: dict[str, list[str]]) -> None:
    content_type = part.get_content_type()
    try:
        if content_type == "message/delivery-status":
            for block in part.get_payload() or []:
                for name in REPORT_FIELDS:
                    value = block.get(name) if isinstance(block, Message) else None
                    if value:
                        fields.setdefault(name, []).append(" ".join(str(value).split()))
        elif content_type == "message/rfc822":
            returned = part.get_payload()
            inner = returned[0] if isinstance(returned, list) and returned else None
            if isinstance(inner, Message):
                ids += MESSAGE_ID_RE.findall(str(inner.get("message-id", "")))
        elif content_type == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            headers = HeaderParser(policy=policy.compat32).parsestr(text, headersonly=True)
            ids += MESSAGE_ID_RE.findall(str(headers.get("message-id", "")))
    except Exception:  # a malformed report part: what the other parts say is kept
        return


def bounce_process(mail: ParsedMail) -> Outcome:
    """Mark the returned delivery failed for good, or leave an unmatched bounce for the desk."""
    bounce = bounce_read(mail)
    found = deliveries_by_message_ids(message_ids=bounce.message_ids)
    delivery = next((found[mid] for mid in bounce.message_ids if mid in found), None)
    if delivery is None:
        return triage(
            kind=MessageKind.BOUNCE,
            why=TriageReason.BOUNCE_UNMATCHED,
            reason=_("配信不能の通知ですが、このシステムが送ったどのメールのものか分かりません。"),
            bounce=bounce.seen(),
        )
    delivery = delivery_bounce_record(delivery=delivery, reason=bounce.reason, at=clock.now())
    return processed(
        kind=MessageKind.BOUNCE,
        reason=_(
            "送信番号 %(number)s のメールが配信できずに戻ってきました（%(reason)s）。送信失敗として記録しました。"
        )
        % {"number": delivery.pk, "reason": bounce.reason[:200]},
        result=delivery,
        bounce=bounce.seen(),
        delivery_id=delivery.pk,
    )
