"""Consumption tax on an invoice: once per invoice per rate, rounded down.

A qualified invoice states, per tax rate, the total of the amounts and the consumption tax on it;
the rounding of fractions of a yen happens **once per invoice for each rate** — never per line
(消費税法施行令第70条の10; 国税庁「インボイス制度に関するQ&A」). We round down (切り捨て), the usual choice, which
the contractor can never be overcharged by. A credit note's negative amounts are rounded toward zero
so that it cancels exactly the tax of the invoice it credits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from calsreg.billing.models.config import TaxRate
from calsreg.core.errors import DomainError


@dataclass(frozen=True)
class TaxPart:
    rate: int  # percent
    taxable: int  # yen, sum of the line amounts at this rate (excluding tax)
    tax: int  # yen

    def as_dict(self) -> dict[str, int]:
        return {"rate": self.rate, "taxable": self.taxable, "tax": self.tax}


@dataclass(frozen=True)
class Totals:
    parts: tuple[TaxPart, ...]
    subtotal: int
    tax: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax


def tax_on(taxable: int, rate_percent: int) -> int:
    """Tax at ``rate_percent`` on ``taxable`` yen, fractions dropped toward zero (integer arithmetic)."""
    magnitude = abs(taxable) * rate_percent // 100
    return magnitude if taxable >= 0 else -magnitude


def totals_for(lines: Iterable[tuple[int, int]]) -> Totals:
    """``lines`` are (amount, rate_percent). Groups by rate, then rounds each group's tax once."""
    taxable_by_rate: dict[int, int] = {}
    for amount, rate in lines:
        taxable_by_rate[rate] = taxable_by_rate.get(rate, 0) + amount
    parts = tuple(
        TaxPart(rate=rate, taxable=taxable, tax=tax_on(taxable, rate))
        for rate, taxable in sorted(taxable_by_rate.items(), reverse=True)
    )
    return Totals(parts=parts, subtotal=sum(p.taxable for p in parts), tax=sum(p.tax for p in parts))


def tax_rate_on(day: date) -> int:
    """The standard rate (percent) in force on ``day``, from the dated table."""
    rate = TaxRate.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if rate is None:
        raise DomainError(_("%(day)s に適用される消費税率が設定されていません。") % {"day": day.isoformat()})
    return rate.rate_percent
