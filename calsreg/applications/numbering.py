"""Receipt numbers (受付番号): A2026-00001, sequential per year, unique and gap-free (core/counters.py)."""

from __future__ import annotations

from calsreg.applications.models import ReceiptCounter
from calsreg.core.counters import yearly_counter_next

PREFIX = "A"


def receipt_number_next(*, year: int) -> str:
    return f"{PREFIX}{year}-{yearly_counter_next(counter_model=ReceiptCounter, year=year):05d}"
