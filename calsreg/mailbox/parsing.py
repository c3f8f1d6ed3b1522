"""Read a received message into what the classifier needs: its headers, its text and its attachments.

Nothing here raises on hostile input. Whatever a sender wrote — undecodable 8-bit headers, lone
surrogates, unknown charsets, broken base64, a thousand parts — comes back as text that any database
column takes (no NUL, no surrogate, bounded length) or is listed in ``unreadable``. The HTML of an
HTML-only mail is reduced to plain text here (``nh3`` removes every tag): it is never shown as HTML.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage, Message
from email.parser import BytesParser

import nh3

from calsreg.verification.reply_mail import from_headers, sender_addresses

logger = logging.getLogger(__name__)

HEADER_MAX_CHARS = 1000
TEXT_MAX_CHARS = 20_000
# A mail with more parts than this is not a reply or a form someone wrote: the rest is not looked at.
PARTS_MAX = 200
UNSTRUCTURED = "x-calsreg-text"
MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,250}>")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_END_RE = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>")
_BLOCKQUOTE_RE = re.compile(r"(?is)<blockquote\b.*?</blockquote\s*>")


@dataclass(frozen=True)
class Attachment:
    """One attached file, decoded."""

    filename: str
    content_type: str
    content: bytes

    def seen(self) -> dict[str, object]:
        """What the desk is shown of it."""
        return {"filename": self.filename, "content_type": self.content_type, "size": len(self.content)}


@dataclass(frozen=True)
class ParsedMail:
    """A received message as the classifier reads it. ``message`` is None if it is no mail at all."""

    message: EmailMessage | None
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lower-case name → values
    from_header: str = ""
    senders: tuple[str, ...] = ()  # every address of every From header, "" for an unreadable one
    text: str = ""  # the body's text (of the first text part; an HTML-only body reduced to text)
    html_only: bool = False
    attachments: tuple[Attachment, ...] = ()
    unreadable: tuple[str, ...] = ()  # parts that could not be decoded, by name or type

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower(), ())
        return values[0] if values else ""

    @property
    def subject(self) -> str:
        return self.header("subject")

    @property
    def message_id(self) -> str:
        found = MESSAGE_ID_RE.search(self.header("message-id"))
        return found.group(0) if found else ""

    @property
    def sender(self) -> str:
        """The one sender: set only when the mail has one From header naming one address."""
        return self.senders[0] if len(self.senders) == 1 and "@" in self.senders[0] else ""

    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers: In-Reply-To first, then References newest first."""
        ids = MESSAGE_ID_RE.findall(" ".join(self.headers.get("in-reply-to", ())))
        ids += reversed(MESSAGE_ID_RE.findall(" ".join(self.headers.get("references", ()))))
        return list(dict.fromkeys(ids))

    def seen(self) -> dict[str, object]:
        """What was recognised of any mail, for the desk."""
        return {
            "from": self.from_header,
            "sender": self.sender,
            "subject": self.subject,
            "message_id": self.message_id,
            "attachments": [attachment.seen() for attachment in self.attachments],
            "unreadable": list(self.unreadable),
        }


def safe_text(value: object, *, limit: int = HEADER_MAX_CHARS) -> str:
    """Text any column takes: lone surrogates replaced, control characters (NUL…) dropped, bounded."""
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROL_RE.sub("", text)[:limit]


def mail_parse(*, raw: bytes) -> ParsedMail:
    """The message in ``raw``; never raises (a message that is no mail has ``message`` None)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw) if raw else None
    except Exception:  # the parser is lenient; anything it still raises makes the mail unreadable
        logger.info("received message could not be parsed", exc_info=True)
        message = None
    if not isinstance(message, EmailMessage) or not list(message.raw_items()):
        return ParsedMail(message=None)
    headers = _headers(message)
    senders_from = [safe_text(text) for text in from_headers(message)]
    text, html_only = _body(message)
    attachments, unreadable = _attachments(message)
    return ParsedMail(
        message=message,
        headers=headers,
        from_header=", ".join(senders_from)[:300],
        senders=tuple(safe_text(address, limit=254) for address in sender_addresses(senders_from)),
        text=text,
        html_only=html_only,
        attachments=attachments,
        unreadable=tuple(unreadable),
    )


FOLDING_RE = re.compile(r"\r?\n(?=[ \t])")


def _headers(message: Message) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        # Unfolded first (RFC 5322 2.2.3: the CRLF goes, the blank stays): the decoder only joins
        # adjacent encoded words across plain blanks, and a long Japanese subject is folded between
        # them — otherwise "A2026-\r\n 00004" would read "A2026- 00004" and no receipt number match.
        value = FOLDING_RE.sub("", value) if isinstance(value, str) else value
        try:
            text = str(policy.default.header_factory(UNSTRUCTURED, value))
        except (HeaderParseError, IndexError, ValueError, TypeError, LookupError):
            text = str(value)
        found.setdefault(safe_text(name, limit=100).strip().lower(), []).append(
            " ".join(safe_text(text).split())
        )
    return {name: tuple(values) for name, values in found.items()}


def _leaves(message: Message) -> Iterator[Message]:
    """The non-multipart parts, at most PARTS_MAX of them (a part that breaks the walk ends it)."""
    count = 0
    try:
        for part in message.walk():
            if part.is_multipart():
                continue
            count += 1
            if count > PARTS_MAX:
                return
            yield part
    except Exception:  # a malformed structure: what was seen so far is what there is
        logger.info("received message structure could not be walked", exc_info=True)


def _decoded(part: Message) -> bytes | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return None
    return payload if isinstance(payload, bytes) else None


def _part_text(part: Message) -> str | None:
    payload = _decoded(part)
    if payload is None:
        return None
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except (LookupError, ValueError):  # an unknown charset: read as UTF-8, the rest replaced
        return payload.decode("utf-8", "replace")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        return "?"
    return safe_text(name, limit=255).strip() if name else ""


def _is_body(part: Message) -> bool:
    return (
        part.get_content_maintype() == "text"
        and part.get_content_disposition() != "attachment"
        and not _filename(part)
    )


def _body(message: Message) -> tuple[str, bool]:
    plain = html_text = None
    for part in _leaves(message):
        if not _is_body(part):
            continue
        if part.get_content_subtype() == "plain" and plain is None:
            plain = _part_text(part)
        elif part.get_content_subtype() == "html" and html_text is None:
            html_text = _part_text(part)
    if plain is not None:
        return safe_text(plain, limit=TEXT_MAX_CHARS), False
    if html_text is not None:
        return safe_text(html_as_text(html_text), limit=TEXT_MAX_CHARS), True
    return "", False


def html_as_text(markup: str) -> str:
    """An HTML body as plain text: quoted blocks dropped, every tag removed, entities decoded."""
    markup = _BLOCKQUOTE_RE.sub("\n", markup[: TEXT_MAX_CHARS * 5])
    markup = _BLOCK_END_RE.sub("\n", markup)
    return html.unescape(nh3.clean(markup, tags=set()))


def _attachments(message: Message) -> tuple[tuple[Attachment, ...], list[str]]:
    found, broken = [], []
    for part in _leaves(message):
        if _is_body(part) or part.get_content_maintype() == "message":
            continue
        filename = _filename(part)
        content_type = safe_text(part.get_content_type(), limit=120)
        if not filename and part.get_content_maintype() == "text":
            continue  # a text part of a report (delivery status) is not an attachment
        payload = _decoded(part)
        if payload is None:
            broken.append(filename or content_type)
            continue
        found.append(Attachment(filename=filename or "", content_type=content_type, content=payload))
    return tuple(found), broken
