"""A kept message as the desk is shown it: headers, the body, the attachments (never opened).

The body is the ``text/plain`` part, shown as text (the template escapes it). A mail with only an
HTML part is shown **sanitised** by nh3 with a strict allowlist: text structure, tables and links,
nothing else — no scripts or styles (their content is dropped too), no event handlers or ``style``
attributes, no images (a remote image would tell the sender the mail was opened), no iframes, forms
or embeds, and links only to ``http``/``https``/``mailto`` with ``rel="noopener noreferrer
nofollow"``. What remains needs neither inline styles nor scripts, so it passes the desk's CSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.parser import BytesParser

import nh3

# Longer bodies are cut (the whole mail stays downloadable as the kept .eml).
BODY_MAX_CHARS = 100_000
ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q", "s", "small",
        "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
# Dropped with everything inside them (the others not allowed lose the tag and keep their text).
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "title", "head", "iframe", "object"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
_UNSTRUCTURED = "x-calsreg-text"


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class MessageShown:
    """``body_html`` is set (already sanitised) only for a mail without a text part."""

    from_header: str = ""
    to_header: str = ""
    date: datetime | None = None
    date_header: str = ""
    subject: str = ""
    message_id: str = ""
    body_text: str = ""
    body_html: str = ""
    body_truncated: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    readable: bool = True


def html_sanitised(html: str) -> str:
    """``html`` reduced to the allowlist above (safe to mark safe in a template)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def message_shown(*, raw: bytes | None) -> MessageShown:
    """What the desk reads of a kept mail; ``readable`` is False when the bytes are missing or not a
    mail (the page says so and offers the download)."""
    message = BytesParser(policy=policy.default).parsebytes(raw) if raw else None
    if not isinstance(message, EmailMessage):
        return MessageShown(readable=False)
    text, html = _body(message)
    truncated = len(text or html) > BODY_MAX_CHARS
    return MessageShown(
        from_header=_header(message, "from"),
        to_header=_header(message, "to"),
        date=_date(message),
        date_header=_header(message, "date"),
        subject=_header(message, "subject"),
        message_id=_header(message, "message-id"),
        body_text=text[:BODY_MAX_CHARS],
        body_html=html_sanitised(html[:BODY_MAX_CHARS]) if html and not text else "",
        body_truncated=truncated,
        attachments=_attachments(message),
    )


def _body(message: EmailMessage) -> tuple[str, str]:
    """(the text/plain body, the text/html body) — either may be empty."""
    found = []
    for preference in ("plain", "html"):
        try:
            part = message.get_body(preferencelist=(preference,))
        except (KeyError, ValueError, IndexError):
            part = None
        found.append(_part_text(part) if isinstance(part, EmailMessage) and _is(part, preference) else "")
    return found[0], found[1]


def _is(part: EmailMessage, subtype: str) -> bool:
    return part.get_content_type() == f"text/{subtype}"


def _part_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # An unknown or lying charset: the bytes as UTF-8, the unreadable ones replaced.
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _attachments(message: EmailMessage) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part.is_multipart() or not isinstance(part, EmailMessage):
            continue
        name = part.get_filename()
        if not name and part.get_content_disposition() != "attachment":
            continue
        payload = part.get_payload(decode=True)
        found.append(
            Attachment(
                name=str(name or "").strip(),
                content_type=part.get_content_type(),
                size_bytes=len(payload) if isinstance(payload, bytes) else 0,
            )
        )
    return found


def _header(message: EmailMessage, name: str) -> str:
    """One header's text as written (encoded words decoded), never raising on a malformed one."""
    values = []
    for key, value in message.raw_items():
        if key.lower() != name:
            continue
        try:
            text = str(policy.default.header_factory(_UNSTRUCTURED, value))
        except (HeaderParseError, IndexError, ValueError):
            text = str(value)
        values.append(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip())
    return ", ".join(values)


def _date(message: EmailMessage) -> datetime | None:
    try:
        return getattr(message.get("date"), "datetime", None)
    except (HeaderParseError, IndexError, ValueError, TypeError):
        return None
