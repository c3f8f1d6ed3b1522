"""What a received mail is, read from its headers, its own text and its attachments' form markers.

Pure reading: no database, no domain call. ``processing`` decides in this order — a bounce, an
automatic reply, a reply to a confirmation mail, a workbook, a reply naming a receipt number, and
anything else for the desk — because each later test would misread the earlier kinds (an
out-of-office answer to a confirmation mail carries its In-Reply-To; a bounce is often marked
``Auto-Submitted`` too).
"""

from __future__ import annotations

import enum
import re
import unicodedata
import zipfile
from io import BytesIO

from defusedxml import ElementTree

from calsreg.applications.excel.guards import archive_check
from calsreg.applications.numbering import PREFIX as RECEIPT_PREFIX
from calsreg.changes.excel.cells import VERSION_NAME as CHANGE_VERSION_NAME
from calsreg.mailbox.parsing import Attachment, ParsedMail

# The two lines of the reply template in the confirmation mail and its reminder.
CONFIRMED_LINE = "確認しました"
DENIED_LINE = "心当たりがありません"

RECEIPT_NUMBER_RE = re.compile(rf"{RECEIPT_PREFIX}\d{{4}}-\d{{5}}")
# Where a mail program starts quoting the mail answered: everything from that line down is quoted.
QUOTE_HEADER_RE = re.compile(
    r"(wrote:|writes:|のメッセージ:|書きました:|-{3,}\s*original message\s*-{3,}|-{3,}\s*元のメッセージ\s*-{3,}"
    r"|^_{10,}$|^-{5,}\s*forwarded message\s*-{5,}"
    # Gmail and others in Japanese: 「2026年11月24日(火) 10:00 名前 <address>:」
    r"|<[^<>\s]+@[^<>\s]+>\s*:$)",
    re.IGNORECASE,
)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm")
EXCEL_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "application/vnd.ms-excel.sheet.macroenabled.12",
    }
)
AUTO_REPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder")
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
DAEMON_NAMES = frozenset({"mailer-daemon"})


class Answer(enum.StrEnum):
    CONFIRMED = "confirmed"
    DENIED = "denied"
    NONE = "none"  # neither line
    BOTH = "both"  # both lines: the one that does not apply was not deleted


class Form(enum.StrEnum):
    APPLICATION = "application"
    CHANGE = "change"


def _lowered(mail: ParsedMail, name: str) -> str:
    return mail.header(name).strip().lower()


def is_delivery_report(mail: ParsedMail) -> bool:
    """A DSN (RFC 3464): ``multipart/report; report-type=delivery-status``."""
    message = mail.message
    if message is None or message.get_content_type() != "multipart/report":
        return False
    return str(message.get_param("report-type", "", header="content-type")).lower() == "delivery-status"


def has_null_sender(mail: ParsedMail) -> bool:
    return "return-path" in mail.headers and mail.header("return-path").replace(" ", "") in {"<>", ""}


def is_from_daemon(mail: ParsedMail) -> bool:
    return any(sender.partition("@")[0].lower() in DAEMON_NAMES for sender in mail.senders)


def auto_reply_marker(mail: ParsedMail) -> str:
    """The header that marks ``mail`` as written by a program answering another mail ("" if none)."""
    auto_submitted = _lowered(mail, "auto-submitted")
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {mail.header('auto-submitted')[:60]}"
    for name in AUTO_REPLY_HEADERS:
        if name in mail.headers:
            return name.title()
    if _lowered(mail, "precedence") == "auto_reply":
        return "Precedence: auto_reply"
    return ""


def no_reply_marker(mail: ParsedMail) -> str:
    """Why no program may answer ``mail`` (RFC 3834: automatic, bulk, list or null-sender mail)."""
    marker = auto_reply_marker(mail)
    if marker:
        return marker
    if _lowered(mail, "precedence") in BULK_PRECEDENCE:
        return f"Precedence: {_lowered(mail, 'precedence')}"
    if "list-id" in mail.headers:
        return "List-Id"
    if has_null_sender(mail):
        return "Return-Path: <>"
    if is_from_daemon(mail):
        return "MAILER-DAEMON"
    return ""


def receipt_number_in(text: str) -> str:
    """The receipt number (``A2026-00001``) written in ``text`` (full-width forms read too), or ""."""
    found = RECEIPT_NUMBER_RE.search(unicodedata.normalize("NFKC", text).upper())
    return found.group(0) if found else ""


def own_text(text: str) -> str:
    """What the reply itself says: lines quoted with ``>`` and everything below a quote header
    (「… wrote:」, 「…のメッセージ:」, ``-----Original Message-----``) are the mail answered, not the answer."""
    kept = []
    for line in text.splitlines():
        folded = unicodedata.normalize("NFKC", line).strip()
        if QUOTE_HEADER_RE.search(folded):
            break
        if folded.startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def answer_read(text: str) -> Answer:
    """Which template line the reply's own text keeps (NFKC, spaces ignored)."""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    confirmed, denied = CONFIRMED_LINE in folded, DENIED_LINE in folded
    if confirmed and denied:
        return Answer.BOTH
    if confirmed:
        return Answer.CONFIRMED
    return Answer.DENIED if denied else Answer.NONE


def is_excel(attachment: Attachment) -> bool:
    return (
        attachment.filename.lower().endswith(EXCEL_SUFFIXES) or attachment.content_type.lower() in EXCEL_TYPES
    )


def workbook_form(attachment: Attachment) -> Form:
    """Which form a workbook is, by the form markers its defined names hold — read from the archive's
    ``xl/workbook.xml`` after the upload guards, before either form's reader opens it.

    Raises UploadRefused (the guards: size, zip bomb, macro, encrypted, not an .xlsx). A workbook
    with neither marker is taken for an application: its reader refuses it, saying why.
    """
    archive_check(content=attachment.content, filename=attachment.filename or "workbook.xlsx")
    try:
        with zipfile.ZipFile(BytesIO(attachment.content)) as archive:
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except Exception:  # a broken or hostile workbook.xml: the application reader says why
        return Form.APPLICATION
    names = {
        element.get("name", "")
        for element in root.iter()
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "definedName"
    }
    # The application form's marker is FORM_VERSION_NAME; its reader checks it (and refuses others).
    return Form.CHANGE if CHANGE_VERSION_NAME in names else Form.APPLICATION
