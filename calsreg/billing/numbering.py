"""Invoice numbers (請求書番号) and customer codes (お客様番号).

Invoice numbers are sequential per year without gaps (domain.md: "Invoice numbers are sequential
without gaps"): 2026-000001, 2026-000002, … (additional invoices included) and credit notes — voids' and fee
credits' — their own series CN2026-000001.
The counter row is incremented with ``UPDATE … SET last = last + 1 RETURNING last`` (core/counters.py), which takes the row lock and
holds it until the surrounding transaction ends. The caller assigns the number in the same
transaction that issues the invoice, so:

* two overlapping billing runs queue on the row lock and get consecutive numbers;
* a transaction that rolls back (a PDF that failed) gives its number back — no gap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db import transaction

from calsreg.billing.models.invoices import CREDIT_KINDS, InvoiceCounter
from calsreg.core.counters import counter_take

CUSTOMER_CODE_PREFIX = "C"
CUSTOMER_CODE_DIGITS = 8


def _series(*, kind: str, year: int) -> str:
    # Fee credits are credit notes (CN…); additional invoices are invoices (the invoice series).
    prefix = "CN" if kind in CREDIT_KINDS else ""
    return f"{prefix}{year}"


def invoice_numbers_planned(*, kind: str, year: int, count: int) -> tuple[str, str] | None:
    """The first and last of the next ``count`` numbers of ``kind``'s series, taking none of them
    (a preview: another issue may take them before the run does, which the run then detects)."""
    if count <= 0:
        return None
    series = _series(kind=kind, year=year)
    last = InvoiceCounter.objects.filter(series=series).values_list("last", flat=True).first() or 0
    return f"{series}-{last + 1:06d}", f"{series}-{last + count:06d}"


def invoice_number_next(*, kind: str, year: int) -> str:
    """The next number of ``kind``'s series for ``year``; call inside the issuing transaction."""
    return invoice_numbers_next(kinds=[kind], year=year)[0]


def invoice_numbers_next(*, kinds: Sequence[str], year: int) -> list[str]:
    """The next numbers for invoices of ``kinds`` issued together, in that order: one block per series,
    taken in one statement each (series in a fixed order, so two callers lock counters alike)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("invoice numbers must be taken inside the issuing transaction")
    series_of = [_series(kind=kind, year=year) for kind in kinds]
    wanted = Counter(series_of)
    next_of = {
        series: counter_take(counter_model=InvoiceCounter, key_field="series", key=series, count=count)
        - count
        + 1
        for series, count in sorted(wanted.items())
    }
    numbers = []
    for series in series_of:
        numbers.append(f"{series}-{next_of[series]:06d}")
        next_of[series] += 1
    return numbers


def customer_code_for(*, project_id: int) -> str:
    """C00000123: printed on the invoice and asked for in the transfer's EDI / payer-code field."""
    return f"{CUSTOMER_CODE_PREFIX}{project_id:0{CUSTOMER_CODE_DIGITS}d}"
