"""Change-request numbers (変更受付番号): H2026-00001, sequential per year, gap-free (core/counters.py)."""

from __future__ import annotations

from calsreg.changes.models import ChangeCounter
from calsreg.core.counters import yearly_counter_next

PREFIX = "H"


def change_number_next(*, year: int) -> str:
    return f"{PREFIX}{year}-{yearly_counter_next(counter_model=ChangeCounter, year=year):05d}"
