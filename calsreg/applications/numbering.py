"""Receipt numbers (受付番号): A2026-00001, sequential per year, unique and gap-free.

The counter row is incremented with an UPDATE, which holds its row lock until the surrounding
transaction commits, so two submissions at once get consecutive numbers and a rolled-back
submission gives its number back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from calsreg.applications.models import ReceiptCounter

PREFIX = "A"


def receipt_number_next(*, year: int) -> str:
    for _attempt in range(3):
        if ReceiptCounter.objects.filter(year=year).update(last=F("last") + 1):
            last = ReceiptCounter.objects.values_list("last", flat=True).get(year=year)
            return f"{PREFIX}{year}-{last:05d}"
        try:
            with transaction.atomic():  # savepoint: a concurrent first-of-year insert may win
                ReceiptCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass
    raise RuntimeError("could not allocate a receipt number")
