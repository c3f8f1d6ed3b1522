"""Read the supervisor's reply that the help desk saved from its mailbox (.eml).

Only the headers matter to the system: who sent it (compared with the directory address the request
went to) and when. What the reply says is read by the operator, who records it; the mail itself is
kept unaltered as evidence (seed step 4: "the orderer's reply e-mail is kept").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from calsreg.core.errors import UploadRefused

EML_CONTENT_TYPE = "message/rfc822"


@dataclass(frozen=True)
class ReplyMail:
    from_address: str
    subject: str
    date: datetime | None
    message_id: str


def reply_mail_read(*, content: bytes) -> ReplyMail:
    """The sender, subject, date and Message-ID of a mail in RFC 5322 form.

    Raises UploadRefused when the file is too large, is not a mail, or has no readable sender.
    """
    if len(content) > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(
            _("メールのファイルが大きすぎます（%(size)s。上限は%(limit)sです）。")
            % {"size": filesizeformat(len(content)), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    message = BytesParser(policy=policy.default).parsebytes(content) if content else None
    from_address = _from_address(message) if isinstance(message, EmailMessage) else ""
    if not isinstance(message, EmailMessage) or "@" not in from_address:
        raise UploadRefused(
            _(
                "返信メールとして読み取れません（差出人がありません）。メールソフトで受信した返信メールを"
                "「.eml」形式で保存したファイルを選んでください。"
            )
        )
    return ReplyMail(
        from_address=from_address,
        subject=_header_text(message, "subject"),
        date=getattr(message.get("date"), "datetime", None),
        message_id=_header_text(message, "message-id"),
    )


def _from_address(message: EmailMessage) -> str:
    try:
        header = message.get("from")
    except (HeaderParseError, IndexError, ValueError):
        return ""
    addresses = getattr(header, "addresses", ())
    return str(addresses[0].addr_spec).strip() if addresses else ""


def _header_text(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "")).strip()[:300]
    except (HeaderParseError, IndexError, ValueError):
        return ""


def same_address(first: str, second: str) -> bool:
    """Addresses compared the way mail systems treat them in practice: case does not matter."""
    return first.strip().casefold() == second.strip().casefold()
