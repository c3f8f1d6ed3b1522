"""Read the supervisor's reply that the help desk saved from its mailbox (.eml).

Only the headers matter to the system: who sent it (compared with the directory address the request
went to) and when. What the reply says is read by the operator, who records it; the mail itself is
kept unaltered as evidence (seed step 4: "the orderer's reply e-mail is kept").

The sender is every mailbox of every ``From`` header, read after NFKC so that a full-width ``＠``
still parses. Display names are ignored (anyone can write ``"yamada@city" <x@evil>``): only the
addresses count, and a reply is from the directory address only when it names exactly that one.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from calsreg.core.email_address import same_email_address
from calsreg.core.errors import UploadRefused
from calsreg.core.uploads import upload_too_large

# Any header name the registry does not know is read as plain text.
UNSTRUCTURED = "x-calsreg-text"


@dataclass(frozen=True)
class ReplyMail:
    # Every sender address found, in order; a header that could not be read adds an empty one.
    from_addresses: tuple[str, ...]
    # The From header(s) as written, display names included: what the desk is shown.
    from_header: str
    subject: str
    date: datetime | None
    message_id: str

    @property
    def from_address(self) -> str:
        return self.from_addresses[0] if len(self.from_addresses) == 1 else self.from_header

    def is_only_from(self, address: str) -> bool:
        """Whether the mail names exactly one sender, and that sender is ``address``."""
        return len(self.from_addresses) == 1 and same_email_address(self.from_addresses[0], address)

    def counts_for(self, *, sent_to: str, directory_address: str) -> bool:
        """Whether this reply may answer a request: its one sender is both the address the request
        went to and the supervisor's directory address now. Any other reply answers nothing."""
        return self.is_only_from(sent_to) and self.is_only_from(directory_address)


def reply_mail_read(*, content: bytes) -> ReplyMail:
    """The sender, subject, date and Message-ID of a mail in RFC 5322 form.

    Raises UploadRefused when the file is too large, is not a mail, or has no readable sender.
    """
    if upload_too_large(len(content)):
        raise UploadRefused(
            _("メールのファイルが大きすぎます（%(size)s。上限は%(limit)sです）。")
            % {"size": filesizeformat(len(content)), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    message = BytesParser(policy=policy.default).parsebytes(content) if content else None
    headers = _from_headers(message) if isinstance(message, EmailMessage) else []
    addresses = sender_addresses(headers)
    if not isinstance(message, EmailMessage) or not any("@" in address for address in addresses):
        raise UploadRefused(
            _(
                "返信メールとして読み取れません（差出人がありません）。メールソフトで受信した返信メールを"
                "「.eml」形式で保存したファイルを選んでください。"
            )
        )
    return ReplyMail(
        from_addresses=addresses,
        from_header=", ".join(headers)[:300],
        subject=_header_text(message, "subject"),
        date=getattr(message.get("date"), "datetime", None),
        message_id=_header_text(message, "message-id"),
    )


def sender_addresses(from_headers: list[str]) -> tuple[str, ...]:
    """Every mailbox of the given From headers' texts, in order (``""`` for a header naming none)."""
    return tuple(address for header in from_headers for address in _addresses(header))


def from_headers(message: EmailMessage) -> list[str]:
    """Each From header's text as written (display names included), safe to store and show."""
    return _from_headers(message)


def _from_headers(message: EmailMessage) -> list[str]:
    """Each From header's text as written, encoded words decoded.

    Read as unstructured text: parsing it as addresses first would re-render it (a space inside the
    brackets becomes a quoted local part) before the NFKC in ``_addresses`` could tidy it.
    """
    headers = []
    for name, value in message.raw_items():
        if name.lower() != "from":
            continue
        try:
            text = str(policy.default.header_factory(UNSTRUCTURED, value))
        except (HeaderParseError, IndexError, ValueError):
            text = str(value)
        # Undecodable 8-bit bytes may come back as lone surrogates, which no database column accepts.
        headers.append(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip())
    return headers


def _addresses(header: str) -> list[str]:
    """The mailboxes of one From header; ``[""]`` when it names none that can be read."""
    try:
        parsed = policy.default.header_factory("from", unicodedata.normalize("NFKC", header))
        found = [str(address.addr_spec).strip() for address in getattr(parsed, "addresses", ())]
    except (HeaderParseError, IndexError, ValueError):
        found = []
    return [address for address in found if address and address != "<>"] or [""]


def _header_text(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "")).strip()[:300]
    except (HeaderParseError, IndexError, ValueError):
        return ""
