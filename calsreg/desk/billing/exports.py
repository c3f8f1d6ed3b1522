"""Excel (.xlsx) exports of the billing screens: the invoice list and the receivables aging table.

Real workbooks (openpyxl): Japanese headers, amounts as numbers with a yen format, dates as dates,
so the billing agent can sum and filter in Excel without converting text. Every cell is written by
``core.exports``, so applicant-typed text (the addressee) is text, never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from calsreg.billing.agent_selectors import AgingBucket
from calsreg.billing.models import Invoice
from calsreg.core.exports import xlsx_append, xlsx_cell
from calsreg.core.uploads import XLSX_CONTENT_TYPE

YEN_FORMAT = '"¥"#,##0;[Red]-"¥"#,##0'
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy/mm/dd"
MONTH_FORMAT = "yyyy/mm"

# (header, width, number format or None)
INVOICE_COLUMNS: list[tuple[str, int, str | None]] = [
    ("請求書番号", 14, None),
    ("種類", 10, None),
    ("状態", 10, None),
    ("宛名", 30, None),
    ("工事番号", 16, None),
    ("発注事務所", 24, None),
    ("請求月", 10, MONTH_FORMAT),
    ("発行日", 12, DATE_FORMAT),
    ("支払期限", 12, DATE_FORMAT),
    ("合計（円）", 14, YEN_FORMAT),
    ("入金済み（円）", 14, YEN_FORMAT),
    ("減額（円）", 14, YEN_FORMAT),
    ("残額（円）", 14, YEN_FORMAT),
]
INVOICE_HEADER = [header for header, _width, _format in INVOICE_COLUMNS]

AGING_COLUMNS: list[tuple[str, int, str | None]] = [
    ("区分", 20, None),
    ("件数", 10, COUNT_FORMAT),
    ("残高（円）", 16, YEN_FORMAT),
]


def _sheet(workbook: Workbook, *, title: str, columns: Sequence[tuple[str, int, str | None]]) -> Worksheet:
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = title
    for cell in xlsx_append(sheet, [header for header, _width, _format in columns]):
        cell.font = Font(bold=True)
    for index, (_header, width, _format) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _append(sheet: Worksheet, values: Sequence[Any], columns: Sequence[tuple[str, int, str | None]]) -> None:
    for cell, (_header, _width, number_format) in zip(xlsx_append(sheet, values), columns, strict=True):
        if number_format and cell.value is not None:
            cell.number_format = number_format


def _response(workbook: Workbook, *, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def invoice_export_values(invoice: Invoice) -> list[Any]:
    """One invoice's cells, in ``INVOICE_COLUMNS`` order, typed (the CSV writes them as text).

    入金済み is what was paid, 減額 the fee credits against it and 残額 what is still owed, so a
    credit is neither a payment nor counted twice (``Invoice.amount_outstanding``)."""
    return [
        invoice.number or "",
        invoice.get_kind_display(),
        invoice.settlement_label,
        invoice.billing_addressee,
        invoice.project.project_number,
        invoice.project.office.name,
        invoice.run_month,
        invoice.issue_date,
        invoice.due_on,
        invoice.total,
        invoice.amount_received,
        invoice.amount_credited,
        invoice.amount_outstanding,
    ]


def invoice_csv_values(invoice: Invoice) -> list[Any]:
    """``invoice_export_values`` with the months and dates as the CSV writes them (2026-12, 2026-12-01)."""
    values = invoice_export_values(invoice)
    values[6] = f"{invoice.run_month:%Y-%m}"
    values[7] = invoice.issue_date.isoformat() if invoice.issue_date else ""
    values[8] = invoice.due_on.isoformat() if invoice.due_on else ""
    return values


def invoices_xlsx_response(rows: Iterable[Invoice]) -> HttpResponse:
    """The invoice list (same columns as the CSV) as ``invoices.xlsx``."""
    workbook = Workbook()
    sheet = _sheet(workbook, title="請求書一覧", columns=INVOICE_COLUMNS)
    for invoice in rows:
        _append(sheet, invoice_export_values(invoice), INVOICE_COLUMNS)
    if sheet.max_row > 1:
        sheet.auto_filter.ref = sheet.dimensions
    return _response(workbook, filename="invoices.xlsx")


def aging_xlsx_response(buckets: Sequence[AgingBucket], total: AgingBucket, *, today: date) -> HttpResponse:
    """The receivables aging table (buckets, then the total) as ``aging-YYYY-MM-DD.xlsx``."""
    workbook = Workbook()
    sheet = _sheet(workbook, title="売掛金年齢表", columns=AGING_COLUMNS)
    for bucket in [*buckets, total]:
        _append(sheet, [str(bucket.label), bucket.count, bucket.amount], AGING_COLUMNS)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    xlsx_cell(sheet, row=sheet.max_row + 2, column=1, value="基準日")
    xlsx_cell(sheet, row=sheet.max_row, column=2, value=today).number_format = DATE_FORMAT
    return _response(workbook, filename=f"aging-{today:%Y-%m-%d}.xlsx")
