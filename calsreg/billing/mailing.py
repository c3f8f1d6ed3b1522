"""The mailing list for the post (郵送リスト): one row per invoice of a billing run.

UTF-8 with a BOM and CRLF line ends, which Excel and label-printing software open as Japanese text.
The addressee and address were typed by applicants: ``core.exports`` escapes any that would read as
a formula. The last columns say, from each invoice's snapshot, under which regime it was issued and
whose name and registration number it prints (the seller's under 代理交付, the billing agent's under
the 媒介者交付特例; decision 0008), so whoever stuffs the envelopes can check the document against
the list — and, under the 媒介者交付特例, the list of what the agent handed out on the seller's behalf.
"""

from __future__ import annotations

from collections.abc import Iterable

from calsreg.billing.models import Invoice, IssuingRegime
from calsreg.core.exports import csv_bytes

HEADER = ("郵便番号", "住所", "宛名", "部署名", "請求書番号", "敬称", "交付方式", "記載の事業者", "登録番号")


def _issuer_columns(invoice: Invoice) -> list[str]:
    snapshot = invoice.document_snapshot or {}
    regime = snapshot.get("regime", "")
    shown = snapshot.get("seller" if regime == IssuingRegime.AGENT_DELIVERY else "issuer") or {}
    label = str(IssuingRegime(regime).label).split("（")[0] if regime else ""
    return [label, shown.get("name", ""), shown.get("registration_number", "")]


def mailing_csv_bytes(invoices: Iterable[Invoice]) -> bytes:
    rows = (
        [
            invoice.billing_postcode,
            invoice.billing_address,
            invoice.billing_addressee,
            invoice.billing_department,
            invoice.number or "",
            invoice.honorific,
            *_issuer_columns(invoice),
        ]
        for invoice in invoices
    )
    return csv_bytes(header=HEADER, rows=rows)
