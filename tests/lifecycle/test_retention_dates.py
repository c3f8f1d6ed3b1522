"""When the personal-data retention period ends: days after closing (Japan). Invoices: tests/billing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from calsreg.lifecycle.selectors import retention_cutoff

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
