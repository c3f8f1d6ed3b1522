"""The mailing list for the post (郵送リスト): one row per invoice of a billing run.

UTF-8 with a BOM and CRLF line ends, which Excel and label-printing software open as Japanese text.
A cell that a spreadsheet would read as a formula (=, +, -, @ at the start) is prefixed with an
apostrophe: the addressee and address were typed by applicants.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from calsreg.billing.models import Invoice

UTF8_BOM = "\ufeff"
HEADER = ("郵便番号", "住所", "宛名", "部署名", "請求書番号", "敬称")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def mailing_csv_bytes(invoices: Iterable[Invoice]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for invoice in invoices:
        writer.writerow(
            [
                _cell(invoice.billing_postcode),
                _cell(invoice.billing_address),
                _cell(invoice.billing_addressee),
                _cell(invoice.billing_department),
                invoice.number or "",
                invoice.honorific,
            ]
        )
    return (UTF8_BOM + buffer.getvalue()).encode("utf-8")
