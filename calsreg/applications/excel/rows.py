"""Rows past what a form holds: refused, never ignored, and found before the workbook is parsed whole.

Two checks, shared by the application and the change workbook:

- ``sheet_rows_check`` runs first, on the raw file: each sheet is streamed (openpyxl's read-only
  mode) and the stream stops at the first row past the sheet's limit that holds anything, or once
  the workbook holds more cells than the form could. A workbook of 10,000 rows is refused after
  reading about a hundred, instead of being loaded whole (which is what the readers do next, to find
  cells by defined name and to see formulas).
- ``application_rows_check`` then looks at the loaded application form: rows written into the users
  table past its slots (a user who needs more rows inserts some) and anything below the form.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from calsreg.applications.excel.cells import InputCell, supervisor_cells, terms_cell, user_cells
from calsreg.applications.excel.guards import named_cell
from calsreg.applications.excel.template import INPUT_SHEET, LIST_SHEET, workbook_build
from calsreg.applications.schema import MAX_USERS, WORKBOOK_USER_SLOTS
from calsreg.core.errors import UploadRefused

logger = logging.getLogger(__name__)

# Empty rows past the limit that are read (a row formatted by hand is written even when empty)
# before the stream gives up on finding the sheet's end and refuses it.
EMPTY_ROWS_TOLERATED = 1000


@dataclass(frozen=True)
class SheetLimits:
    """How far a form's sheets may go: rows per sheet (by title, else ``default_rows``) and cells in
    all (what loading the workbook whole costs; a row 16,000 columns wide is as costly as many rows)."""

    rows: Mapping[str, int]
    default_rows: int
    cells: int


def sheet_rows_check(*, content: bytes, filename: str, limits: SheetLimits, advice: str) -> None:
    """Refuse a workbook with anything past its sheet's row limit, or more cells than ``limits.cells``,
    naming the sheet and the limit; ``advice`` says what to do instead. The archive must have passed
    ``archive_check``. Raises UploadRefused; a file openpyxl cannot open is left to ``workbook_open``.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(BytesIO(content), read_only=True, data_only=False, keep_links=False)
    except Exception as error:  # openpyxl raises many types; workbook_open refuses it with a message
        logger.info("openpyxl could not stream %r: %r", filename, error)
        return
    try:
        cells = 0
        for sheet in workbook.worksheets:
            limit = limits.rows.get(sheet.title, limits.default_rows)
            # The sheet's <dimension> is the sender's claim: read what is there, whatever it says.
            sheet.reset_dimensions()
            for row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells += len(values)
                if cells > limits.cells:
                    raise UploadRefused(_too_many_cells(filename, sheet.title, advice))
                if row > limit and (row > limit + EMPTY_ROWS_TOLERATED or _any_value(values)):
                    raise UploadRefused(_past_limit(filename, sheet.title, row, limit, advice))
    finally:
        workbook.close()


def _any_value(values: tuple[Any, ...]) -> bool:
    return any(value not in (None, "") for value in values)


def _past_limit(filename: str, sheet: str, row: int, limit: int, advice: str) -> str:
    return _(
        "「%(filename)s」の「%(sheet)s」シートに、様式の%(limit)s行を超えて記入があります（%(row)s行目）。"
        "様式の外に書いた内容は読み取れません。%(advice)s"
    ) % {"filename": filename, "sheet": sheet, "row": row, "limit": limit, "advice": advice}


def _too_many_cells(filename: str, sheet: str, advice: str) -> str:
    return _(
        "「%(filename)s」は記入されたセルが多すぎるため読み取れません（「%(sheet)s」シートで上限を超えました）。"
        "様式の外に書いた内容は読み取れません。%(advice)s"
    ) % {"filename": filename, "sheet": sheet, "advice": advice}


# --- the application form ---------------------------------------------------------------------------


# Rows a person may insert into a sheet (a blank line, a longer address) before the sheet is refused
# unread; the loaded form is then checked exactly by ``application_rows_check``.
INSERTED_ROWS_TOLERATED = 40
# The office drop-down's hidden list: one row per orderer office.
OFFICE_LIST_ROWS = 1000
# A filled form holds about 700 cells; the office list 4 per office.
APPLICATION_MAX_CELLS = 10_000


@dataclass(frozen=True)
class _Geometry:
    """Sizes and distances in the generated form; distances allow for rows inserted by hand, which
    move the named cells."""

    sheet_rows: dict[str, int]  # the last row of each sheet
    supervisors_heading: int  # rows of the supervisors' heading (banner, note, header) above its table
    after_terms: int  # rows from the terms cell to the form's last row (the footer)


@lru_cache(maxsize=1)
def _geometry() -> _Geometry:
    """Measured on a freshly generated form (once per process), so the layout lives in one place."""
    workbook = load_workbook(BytesIO(workbook_build(office_names=["-"])))
    rows = _named_rows(workbook)
    form = workbook[INPUT_SHEET]
    between = range(rows.last_user + 1, rows.first_supervisor)
    return _Geometry(
        sheet_rows={sheet.title: sheet.max_row for sheet in workbook.worksheets},
        supervisors_heading=sum(1 for row in between if any(cell.value for cell in form[row])),
        after_terms=form.max_row - rows.terms,
    )


def application_sheet_limits() -> SheetLimits:
    """The application form's limits for ``sheet_rows_check``."""
    rows = {title: last + INSERTED_ROWS_TOLERATED for title, last in _geometry().sheet_rows.items()}
    rows[LIST_SHEET] = OFFICE_LIST_ROWS
    return SheetLimits(rows=rows, default_rows=rows[INPUT_SHEET], cells=APPLICATION_MAX_CELLS)


def application_rows_advice() -> str:
    return _(
        "利用者は%(slots)s人まで記入できます。%(slots)s人を超える場合は、ポータルの入力フォーム"
        "（%(max)s人まで）で申し込むか、ヘルプデスクにご相談ください。"
    ) % {"slots": WORKBOOK_USER_SLOTS, "max": MAX_USERS}


@dataclass(frozen=True)
class _Rows:
    sheet: str
    users: tuple[int, ...]
    last_user: int
    first_supervisor: int
    terms: int
    columns: tuple[int, ...]  # the users table's columns


def _named_rows(workbook: Workbook) -> _Rows:
    def cell(name: str) -> Any:
        found = named_cell(workbook, name)
        if found is None:  # input_cells_locate has refused a form without it
            raise LookupError(name)
        return found

    firsts = [cell(user_cells(slot)[0].defined_name) for slot in range(1, WORKBOOK_USER_SLOTS + 1)]
    last_column = cell(user_cells(1)[-1].defined_name).column
    return _Rows(
        sheet=firsts[0].parent.title,
        users=tuple(first.row for first in firsts),
        last_user=firsts[-1].row,
        first_supervisor=cell(supervisor_cells(1)[0].defined_name).row,
        terms=cell(terms_cell().defined_name).row,
        columns=tuple(range(firsts[0].column, last_column + 1)),
    )


def application_rows_check(
    *, workbook: Workbook, located: list[tuple[InputCell, Cell]], filename: str
) -> None:
    """Refuse users written past the table's slots and anything written below the form, in a loaded
    workbook whose input cells (``located``) were all found; an input cell moved elsewhere by a cut
    and paste is still read where its name points. Raises UploadRefused naming the sheet, the row
    and the limit."""
    geometry, rows = _geometry(), _named_rows(workbook)
    sheet = workbook[rows.sheet]
    inputs = {cell.coordinate for _input, cell in located if cell.parent is sheet}
    # The users table and the free rows under it, down to the supervisors' heading.
    table_end = rows.first_supervisor - geometry.supervisors_heading - 1
    extra_user = next(
        (
            row
            for row in range(rows.users[0], table_end + 1)
            if row not in rows.users and _has_value(sheet, row, rows.columns, inputs)
        ),
        None,
    )
    if extra_user is not None:
        raise UploadRefused(
            _(
                "「%(filename)s」の「%(sheet)s」シートの利用者の表の%(row)s行目に、欄の外の記入があります。"
                "この申込書に書ける利用者は%(slots)s人までで、行を足して書いた利用者は読み取れません。"
                "%(slots)s人を超える場合は、ポータルの入力フォーム（%(max)s人まで）で申し込むか、"
                "ヘルプデスクにご相談ください。"
            )
            % {
                "filename": filename,
                "sheet": rows.sheet,
                "row": extra_user,
                "slots": WORKBOOK_USER_SLOTS,
                "max": MAX_USERS,
            }
        )
    last = rows.terms + geometry.after_terms
    columns = tuple(range(1, sheet.max_column + 1))
    below = next(
        (row for row in range(last + 1, sheet.max_row + 1) if _has_value(sheet, row, columns, inputs)), None
    )
    if below is not None:
        raise UploadRefused(
            _(
                "「%(filename)s」の「%(sheet)s」シートの%(row)s行目に記入があります。"
                "申込書は%(last)s行目までで、それより下に書いた内容は読み取れません。"
                "申込書の黄色の欄に記入し直して送ってください。"
            )
            % {"filename": filename, "sheet": rows.sheet, "row": below, "last": last}
        )


def _has_value(sheet: Any, row: int, columns: tuple[int, ...], inputs: set[str]) -> bool:
    """Whether ``row`` holds a value in ``columns`` outside the form's input cells."""
    for column in columns:
        cell = sheet.cell(row=row, column=column)
        if cell.value not in (None, "") and cell.coordinate not in inputs:
            return True
    return False
