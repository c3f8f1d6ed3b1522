"""Take the application workbook out of a received mail (.eml) that the help desk saved.

Only the mail is parsed here; the workbook itself is then read by ``excel.workbook_read``. The mail
as received is kept as evidence by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from django.conf import settings
from django.utils.translation import gettext as _

from calsreg.core.errors import UploadRefused
from calsreg.core.uploads import XLSX_CONTENT_TYPE, size_text, upload_too_large


@dataclass(frozen=True)
class ReceivedMail:
    from_address: str
    subject: str
    date: datetime | None
    message_id: str
    workbook_bytes: bytes
    workbook_filename: str


def workbook_from_eml(*, content: bytes) -> ReceivedMail:
    """The sender, subject, date and the single .xlsx attachment of a mail in RFC 5322 form.

    Raises UploadRefused when the file is not a mail, has no .xlsx attachment or has several.
    """
    message = _parse(content)
    attachments = _attachments(message)
    workbooks = [(name, part) for name, part in attachments if _is_workbook(name, part)]
    if not workbooks:
        found = "、".join(name for name, _part in attachments) or _("なし")
        raise UploadRefused(
            _(
                "メールにExcelの申込書（.xlsx）が添付されていません（添付ファイル: %(found)s）。"
                "申込者に、記入した申込書を .xlsx 形式のまま添付して送り直すよう依頼してください。"
            )
            % {"found": found}
        )
    if len(workbooks) > 1:
        raise UploadRefused(
            _(
                "メールにExcelファイルが%(count)s個添付されています（%(names)s）。"
                "どれが申込書か判断できないため、1通のメールに申込書を1つだけ添付して送り直すよう依頼してください。"
            )
            % {"count": len(workbooks), "names": "、".join(name for name, _part in workbooks)}
        )
    filename, part = workbooks[0]
    data = part.get_payload(decode=True)
    return ReceivedMail(
        from_address=_from_address(message),
        subject=str(message.get("subject", "")),
        date=_date(message),
        message_id=str(message.get("message-id", "")).strip(),
        workbook_bytes=data if isinstance(data, bytes) else b"",
        workbook_filename=filename,
    )


def _parse(content: bytes) -> EmailMessage:
    if upload_too_large(len(content)):
        raise UploadRefused(
            _("メールのファイルが大きすぎます（%(size)s。上限は%(limit)sです）。")
            % {"size": size_text(len(content)), "limit": size_text(settings.UPLOAD_MAX_BYTES)}
        )
    message = BytesParser(policy=policy.default).parsebytes(content) if content else None
    # The parser accepts any bytes; a mail worth reading has at least a sender and a body separator.
    if not isinstance(message, EmailMessage) or message.get("from") is None:
        raise UploadRefused(
            _(
                "メールとして読み取れません。メールソフトで受信したメールを「.eml」形式で保存したファイルを"
                "選んでください。"
            )
        )
    return message


def _attachments(message: EmailMessage) -> list[tuple[str, EmailMessage]]:
    """(filename, part) of every attached file, also inside forwarded mails (message/rfc822)."""
    found = []
    for part in message.walk():
        if part.is_multipart() or not isinstance(part, EmailMessage):
            continue
        # policy.default decodes RFC 2231 (filename*=UTF-8''…) and RFC 2047 encoded words.
        filename = part.get_filename()
        if filename:
            found.append((str(filename).strip(), part))
    return found


def _is_workbook(filename: str, part: EmailMessage) -> bool:
    return filename.lower().endswith(".xlsx") or part.get_content_type() == XLSX_CONTENT_TYPE


def _from_address(message: EmailMessage) -> str:
    header = message.get("from")
    addresses = getattr(header, "addresses", ())
    return addresses[0].addr_spec if addresses else str(header or "").strip()


def _date(message: EmailMessage) -> datetime | None:
    header = message.get("date")
    return getattr(header, "datetime", None)
