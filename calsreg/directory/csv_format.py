"""The directory's CSV layout: one row per supervisor, repeating its office and organisation.

The file is what the help desk edits in Excel, so it is read in the encodings Excel in Japan writes
(UTF-8 with or without BOM, Shift_JIS/CP932) and written as UTF-8 with BOM, which Excel opens
without garbling the Japanese.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from calsreg.core.exports import csv_bytes
from calsreg.directory.models import SupervisorTitle

# Column keys in file order, with the Japanese header written on export.
COLUMNS: dict[str, str] = {
    "organisation_code": "機関コード",
    "organisation_name": "発注機関名",
    "office_code": "事務所コード",
    "office_name": "事務所名",
    "office_postcode": "事務所郵便番号",
    "office_address": "事務所住所",
    "office_phone": "事務所電話番号",
    "code": "職員コード",
    "name": "氏名",
    "kana": "氏名フリガナ",
    "title": "役職",
    "email": "メールアドレス",
    "phone": "電話番号",
    "active": "有効",
}

# Further headers accepted on import (compared after NFKC and lower-casing, so full-width letters and
# "（）" match too). English names serve files produced by scripts rather than by hand.
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "organisation_code": ("発注機関コード", "organisation_code", "organization_code"),
    "organisation_name": ("機関名", "organisation_name", "organization_name"),
    "office_code": ("office_code",),
    "office_name": ("office_name",),
    "office_postcode": ("office_postcode", "office_postal_code", "office_zip"),
    "office_address": ("office_address",),
    "office_phone": ("office_phone",),
    "code": ("supervisor_code", "staff_code"),
    "name": ("name", "supervisor_name"),
    "kana": ("氏名(フリガナ)", "フリガナ", "kana", "name_kana"),
    "title": ("title",),
    "email": ("email", "e-mail", "mail"),
    "phone": ("phone", "tel"),
    "active": ("active",),
}

# Fixed Japanese labels, not the translated choice labels: the file format must not change with the
# language of whoever exports it.
TITLE_LABELS: dict[str, str] = {
    SupervisorTitle.GENERAL_SUPERVISOR: "総括監督員",
    SupervisorTitle.CHIEF_SUPERVISOR: "主任監督員",
    SupervisorTitle.SUPERVISOR: "監督員",
}
ACTIVE_LABELS = {True: "1", False: "0"}

UTF8_BOM = b"\xef\xbb\xbf"


class UnreadableFile(Exception):
    """The bytes are not a CSV in a supported encoding; ``reason`` names the problem for the report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedFile:
    """The header mapped to column keys, and the data rows with their spreadsheet row numbers."""

    encoding: str
    columns: dict[str, int]  # column key -> index in the row
    duplicate_headers: list[str]
    ignored_headers: list[str]
    header_width: int
    rows: list[tuple[int, list[str]]]  # (row number as Excel shows it, header = 1; cells)


def _header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


_HEADER_LOOKUP: dict[str, str] = {}
for _key, _label in COLUMNS.items():
    for _alias in (_label, _key, *_HEADER_ALIASES.get(_key, ())):
        _HEADER_LOOKUP[_header_key(_alias)] = _key


def decode(content: bytes) -> tuple[str, str]:
    """Return (text, encoding name). A BOM decides; otherwise strict UTF-8, then CP932.

    CP932 rather than plain Shift_JIS because Excel writes Microsoft's extension (① and
    the NEC/IBM kanji such as 髙 and 﨑, common in surnames).
    """
    if content.startswith(UTF8_BOM):
        try:
            return content.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise UnreadableFile("encoding") from error
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" export: UTF-16 and tab-separated, not the CSV we document.
        raise UnreadableFile("utf16")
    for encoding in ("utf-8", "cp932"):
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("encoding")


def parse(content: bytes) -> ParsedFile:
    """Decode and split the file. Raises ``UnreadableFile`` ("encoding", "utf16", "empty", "csv")."""
    text, encoding = decode(content)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise UnreadableFile("csv") from error
    if not records or not any(cell.strip() for cell in records[0]):
        raise UnreadableFile("empty")
    columns: dict[str, int] = {}
    duplicates: list[str] = []
    ignored: list[str] = []
    for index, header in enumerate(records[0]):
        key = _HEADER_LOOKUP.get(_header_key(header))
        if key is None:
            if header.strip():
                ignored.append(header.strip())
        elif key in columns:
            duplicates.append(header.strip())
        else:
            columns[key] = index
    rows = [
        (number, cells)
        for number, cells in enumerate(records[1:], start=2)
        # Excel leaves rows of empty cells behind after deletions; they are not rows of data.
        if any(cell.strip() for cell in cells)
    ]
    return ParsedFile(
        encoding=encoding,
        columns=columns,
        duplicate_headers=duplicates,
        ignored_headers=ignored,
        header_width=len(records[0]),
        rows=rows,
    )


def write(rows: Iterable[Mapping[str, str]]) -> bytes:
    """Write rows keyed by column key as UTF-8 with BOM and CRLF line ends (what Excel expects),
    text that would read as a formula escaped (``core.exports``)."""
    return csv_bytes(header=COLUMNS.values(), rows=([row.get(key, "") for key in COLUMNS] for row in rows))
