"""What every upload channel shares: the content types it stores and the size limit checked first.

The limit is ``settings.UPLOAD_MAX_BYTES``. Interfaces check the declared size before reading an
upload into memory (``upload_too_large``); the readers check the bytes themselves again, so a
caller that skips the first check is still refused. What a file must contain (magic bytes, a real
.xlsx archive, a mail with one workbook) is judged by the readers in ``applications.excel.guards``
and ``applications.mail_intake``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from calsreg.core.errors import UploadRefused

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EML_CONTENT_TYPE = "message/rfc822"
JSON_CONTENT_TYPE = "application/json"


def upload_too_large(size: int | None) -> bool:
    """Whether an upload's declared size is over the limit; an unknown size counts as too large."""
    return size is None or size > settings.UPLOAD_MAX_BYTES


def size_text(size: int) -> str:
    """A size as people read it on a refusal (2KB, 1.5MB)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + "MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + "KB"
    return f"{size}バイト"


def workbook_size_refuse(*, size: int | None, filename: str) -> None:
    """Refuse a workbook over the limit, naming it and saying what to do. Raises UploadRefused."""
    if not upload_too_large(size):
        return
    raise UploadRefused(
        _(
            "「%(filename)s」は大きすぎます（%(size)s。上限は%(limit)sです）。画像などを貼り付けず、"
            "ダウンロードした申込書に記入して送ってください。"
        )
        % {"filename": filename, "size": size_text(size or 0), "limit": size_text(settings.UPLOAD_MAX_BYTES)}
    )
