"""Gap-free yearly counters (receipt numbers, change-request numbers).

The counter row is incremented with an UPDATE, which holds its row lock until the surrounding
transaction commits, so two callers at once get consecutive values and a rolled-back caller gives
its value back. ``counter_model`` has ``year`` (primary key) and ``last``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F


def yearly_counter_next(*, counter_model: Any, year: int) -> int:
    for _attempt in range(3):
        if counter_model.objects.filter(year=year).update(last=F("last") + 1):
            return int(counter_model.objects.values_list("last", flat=True).get(year=year))
        try:
            with transaction.atomic():  # savepoint: a concurrent first-of-year insert may win
                counter_model.objects.create(year=year, last=0)
        except IntegrityError:
            pass
    raise RuntimeError(f"could not allocate a number from {counter_model.__name__}")
