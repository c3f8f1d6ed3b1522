"""Read a filled-in application workbook into the raw payload (strings, not validated).

Cells are found by their defined names only, never by address, so a user who inserts a row or
LibreOffice re-saving the file does not shift what is read. Values are returned as typed; the one
shared validator (``applications/validation.py``) normalises and checks them.

Raw payload::

    {"form_version": str,
     "<each FIELDS key>": str,         # "" when empty; a date → "YYYY-MM-DD"; a whole number → "48400000"
     "users": [{"position": int, "role": str, "name": str, "kana": str, "email": str, "phone": str,
                "requested_id": str}, ...],          # only rows with a value
     "supervisor_names": [{"name": str, "title": str}, ...],   # only rows with a value
     "terms_accepted": str}
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.utils.datetime import from_excel

from calsreg.applications.excel.cells import field_cells, supervisor_cells, terms_cell, user_cells
from calsreg.applications.excel.guards import (
    archive_check,
    form_version_check,
    formulas_refuse,
    input_cells_locate,
    workbook_open,
)
from calsreg.applications.excel.rows import (
    application_rows_advice,
    application_rows_check,
    application_sheet_limits,
    sheet_rows_check,
)
from calsreg.applications.schema import WORKBOOK_SUPERVISOR_SLOTS, WORKBOOK_USER_SLOTS, Kind

# Excel's serial day numbers from 1900-01-01 to 9999-12-31.
_SERIAL_RANGE = (1, 2_958_465)


def workbook_read(*, content: bytes, filename: str) -> dict[str, Any]:
    """The raw payload of a filled-in workbook; ``filename`` only names the file in messages.

    Raises UploadRefused (with a message saying why and what to do) for anything that is not the
    current form filled with plain values.
    """
    archive_check(content=content, filename=filename)
    # Streamed before the whole workbook is loaded: a huge sheet is refused at its first rows.
    sheet_rows_check(
        content=content,
        filename=filename,
        limits=application_sheet_limits(),
        advice=application_rows_advice(),
    )
    workbook = workbook_open(content=content, filename=filename)
    form_version = form_version_check(workbook=workbook, filename=filename)
    located = input_cells_locate(workbook=workbook, filename=filename)
    application_rows_check(workbook=workbook, located=located, filename=filename)
    formulas_refuse(located=located)
    texts = {
        input_cell.defined_name: cell_text(cell.value, kind=input_cell.spec.kind, epoch=workbook.epoch)
        for input_cell, cell in located
    }
    payload: dict[str, Any] = {"form_version": form_version}
    payload.update({cell.spec.key: texts[cell.defined_name] for cell in field_cells()})
    payload["users"] = [
        {"position": slot, **row}
        for slot in range(1, WORKBOOK_USER_SLOTS + 1)
        if _has_value(row := {cell.spec.key: texts[cell.defined_name] for cell in user_cells(slot)})
    ]
    payload["supervisor_names"] = [
        row
        for slot in range(1, WORKBOOK_SUPERVISOR_SLOTS + 1)
        if _has_value(row := {cell.spec.key: texts[cell.defined_name] for cell in supervisor_cells(slot)})
    ]
    payload["terms_accepted"] = texts[terms_cell().defined_name]
    return payload


def _has_value(row: dict[str, str]) -> bool:
    # A row holding only spaces (a stray U+3000 is common) is an empty row, not a user to validate.
    return any(value.strip() for value in row.values())


def cell_text(value: Any, *, kind: Kind, epoch: datetime) -> str:
    """A cell's value as the text the user typed, in the payload's conventions."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)) and kind == Kind.DATE:
        # A date cell whose number format was lost (a re-save by another program) holds the serial.
        value = _serial_to_datetime(value, epoch=epoch)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {value.time().isoformat()}"
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _serial_to_datetime(value: float, *, epoch: datetime) -> datetime | float:
    if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
        return value
    converted = from_excel(value, epoch=epoch)
    return converted if isinstance(converted, datetime) else value
