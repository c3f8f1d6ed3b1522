from datetime import date

import pytest

from calsreg.core.calendar import add_business_days, is_business_day, next_business_day


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 24), True),  # Tuesday
        (date(2026, 11, 23), False),  # 勤労感謝の日 (Monday)
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 12, 29), False),  # year-end closure
        (date(2027, 1, 3), False),  # year-end closure (Sunday anyway)
        (date(2027, 1, 4), True),  # first business day of 2027
        (date(2026, 5, 6), False),  # 振替休日 for Constitution Day falling on Sunday 2026-05-03
    ],
)
def test_business_days_follow_holidays_and_the_year_end_closure(day, expected):
    assert is_business_day(day) is expected


def test_adding_business_days_skips_the_year_end_closure():
    assert add_business_days(date(2026, 12, 25), 1) == date(2026, 12, 28)
    assert add_business_days(date(2026, 12, 28), 1) == date(2027, 1, 4)


def test_next_business_day_rolls_forward():
    assert next_business_day(date(2026, 11, 23)) == date(2026, 11, 24)
    assert next_business_day(date(2026, 11, 24)) == date(2026, 11, 24)
