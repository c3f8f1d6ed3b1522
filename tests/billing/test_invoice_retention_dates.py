"""When an invoice's legal retention period ends: seven years from the day after the filing deadline
(two months after the end of the business year of issue), per the configured year end."""

from __future__ import annotations

from datetime import date

import pytest

from calsreg.billing.retention_selectors import (
    deletable_from,
    last_day_due,
    retention_starts_on,
    taxable_period_end,
)


@pytest.mark.parametrize(
    ("issued", "period_end", "starts", "deleted_from"),
    [
        # 3月決算: issued on the year's last day or first day.
        (date(2027, 3, 31), date(2027, 3, 31), date(2027, 6, 1), date(2034, 6, 1)),
        (date(2027, 4, 1), date(2028, 3, 31), date(2028, 6, 1), date(2035, 6, 1)),
        (date(2026, 12, 1), date(2027, 3, 31), date(2027, 6, 1), date(2034, 6, 1)),
    ],
)
def test_a_march_year_end_keeps_an_invoice_seven_years_from_the_first_of_june(
    settings, issued, period_end, starts, deleted_from
):
    settings.FISCAL_YEAR_END_MONTH = 3
    settings.INVOICE_RETENTION_YEARS = 7
    settings.TAX_FILING_EXTENSION_MONTHS = 0

    assert (taxable_period_end(issued), retention_starts_on(issued), deletable_from(issued)) == (
        period_end,
        starts,
        deleted_from,
    )


def test_a_december_year_end_with_the_filing_extension_and_ten_years(settings):
    # given: 12月決算, the corporate-tax extension (one month), a year with a loss carried forward
    settings.FISCAL_YEAR_END_MONTH = 12
    settings.TAX_FILING_EXTENSION_MONTHS = 1
    settings.INVOICE_RETENTION_YEARS = 10

    # then: the year ends 2026-12-31, the filing deadline is 2027-03-31, kept from 2027-04-01
    assert taxable_period_end(date(2026, 2, 28)) == date(2026, 12, 31)
    assert retention_starts_on(date(2026, 2, 28)) == date(2027, 4, 1)
    assert deletable_from(date(2026, 2, 28)) == date(2037, 4, 1)


def test_a_february_year_end_counts_to_its_last_day_in_a_leap_year(settings):
    settings.FISCAL_YEAR_END_MONTH = 2

    assert taxable_period_end(date(2028, 2, 29)) == date(2028, 2, 29)
    assert deletable_from(date(2028, 2, 29)) == date(2035, 5, 1)


@pytest.mark.parametrize(
    ("today", "last"),
    [
        (date(2034, 5, 31), date(2026, 3, 31)),
        (date(2034, 6, 1), date(2027, 3, 31)),
        (date(2035, 5, 31), date(2027, 3, 31)),
        (date(2035, 6, 1), date(2028, 3, 31)),
    ],
)
def test_the_last_day_due_moves_a_whole_year_on_the_first_of_june(settings, today, last):
    settings.FISCAL_YEAR_END_MONTH = 3

    assert last_day_due(today=today) == last
    assert deletable_from(last) <= today < deletable_from(last + (date(2000, 1, 2) - date(2000, 1, 1)))
