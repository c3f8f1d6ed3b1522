"""Spreadsheet files of stored data (CSV and Excel): the one place that keeps typed text from running
as a formula when the help desk or the billing agent opens the file (formula or "CSV" injection).

Applicants type the billing addressee, names and addresses; these end up in files opened in Excel.
Excel reads a CSV cell starting with "=", "+", "-" or "@" (also after a tab or a carriage return) as
a formula, and a formula can send the sheet's other cells to a server (``=HYPERLINK("http://…?"&A2)``)
or, in old versions, start a program (DDE). OWASP's rule: put an apostrophe in front of such text,
which makes it text. Text whose first non-blank character is one of these is escaped too, in case
a program trims blanks before it looks. A full-width sign (``＝1+1``) is left as typed: only the
ASCII signs start a formula (LibreOffice's CSV import, formulas on, keeps ``＝1+1`` as text).

Only text is escaped: numbers, dates and empty cells keep their type, so a negative amount is still a
number that sums.

In a workbook a text cell is never evaluated, but openpyxl turns any ``str`` starting with "=" into a
formula cell (and "#N/A" into an error cell), so every text cell is written with the string type.
Exports also escape as in CSV, so that both files show the same text and a workbook saved again as
CSV stays safe. Forms that are read back (the application and change workbooks) keep their text
exactly: ``cell_set``, typed as text but not prefixed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TextIO

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def escape_formula(text: str) -> str:
    """``text`` with an apostrophe in front when a spreadsheet would take it for a formula."""
    if text.startswith(FORMULA_LEADS) or text.lstrip().startswith(FORMULA_LEADS):
        return "'" + text
    return text


def export_value(value: Any) -> Any:
    """The value of one exported cell: text escaped, anything else (number, date, None) unchanged."""
    return escape_formula(value) if isinstance(value, str) else value


class CsvExportWriter:
    """A ``csv.writer`` (CRLF line ends) that escapes every text cell of every row it writes."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([export_value(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: TextIO) -> CsvExportWriter:
    return CsvExportWriter(stream)


def csv_bytes(*, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """The header and the rows as UTF-8 with a BOM and CRLF line ends: what Excel in Japan opens
    as Japanese text without garbling it."""
    buffer = io.StringIO(newline="")
    writer = csv_writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return (UTF8_BOM + buffer.getvalue()).encode("utf-8")


def cell_set(cell: Cell, value: Any) -> Cell:
    """Put ``value`` in ``cell`` as it is, text typed as text: never a formula or an error cell.

    Characters a workbook cannot hold (C0 controls other than tab and line ends) become U+FFFD, so
    that one stored value cannot make the whole file fail to build.
    """
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def xlsx_cell(sheet: Worksheet, *, row: int, column: int, value: Any) -> Cell:
    """Write one exported cell: text escaped and typed as text, anything else unchanged."""
    return cell_set(sheet.cell(row=row, column=column), export_value(value))


def xlsx_append(sheet: Worksheet, values: Iterable[Any]) -> list[Cell]:
    """Write ``values`` as the next row of an export (as ``xlsx_cell``); returns the row's cells."""
    values = list(values)
    sheet.append([None] * len(values))  # claims the next row the way append does, then fills it
    row = sheet.max_row
    return [xlsx_cell(sheet, row=row, column=column, value=value) for column, value in enumerate(values, 1)]
