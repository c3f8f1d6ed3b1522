"""When the retention periods end: days after closing (Japan), fiscal years for invoices."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from calsreg.lifecycle.selectors import invoice_retention_cutoff, retention_cutoff

JST = ZoneInfo("Asia/Tokyo")


def test_personal_data_is_kept_the_configured_number_of_days_counted_in_japan(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 365

    cutoff = retention_cutoff(today=date(2028, 3, 19))

    # Closed at 23:59 on 2027-03-20 (Japan): due on 2028-03-19; closed a minute later: not yet.
    assert cutoff == datetime(2027, 3, 21, 0, 0, tzinfo=JST)
    assert datetime(2027, 3, 20, 23, 59, tzinfo=JST) < cutoff


def test_the_retention_days_come_from_the_setting(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 30

    assert retention_cutoff(today=date(2027, 4, 19)) == datetime(2027, 3, 21, tzinfo=JST)


@pytest.mark.parametrize(
    ("today", "cutoff"),
    [
        # An invoice issued in FY2026 (2026-04-01 … 2027-03-31) is kept until 2034-03-31.
        (date(2034, 3, 31), date(2026, 4, 1)),
        (date(2034, 4, 1), date(2027, 4, 1)),
        (date(2035, 1, 15), date(2027, 4, 1)),
    ],
)
def test_invoices_are_kept_seven_years_from_the_end_of_the_fiscal_year_of_issue(settings, today, cutoff):
    settings.INVOICE_RETENTION_YEARS = 7

    assert invoice_retention_cutoff(today=today) == cutoff
