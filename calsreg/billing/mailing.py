"""The mailing list for the post (郵送リスト): one row per invoice of a billing run.

UTF-8 with a BOM and CRLF line ends, which Excel and label-printing software open as Japanese text.
The addressee and address were typed by applicants: ``core.exports`` escapes any that would read as
a formula.
"""

from __future__ import annotations

from collections.abc import Iterable

from calsreg.billing.models import Invoice
from calsreg.core.exports import csv_bytes

HEADER = ("郵便番号", "住所", "宛名", "部署名", "請求書番号", "敬称")


def mailing_csv_bytes(invoices: Iterable[Invoice]) -> bytes:
    rows = (
        [
            invoice.billing_postcode,
            invoice.billing_address,
            invoice.billing_addressee,
            invoice.billing_department,
            invoice.number or "",
            invoice.honorific,
        ]
        for invoice in invoices
    )
    return csv_bytes(header=HEADER, rows=rows)
