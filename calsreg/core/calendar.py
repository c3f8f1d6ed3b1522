"""Business-day calendar of the help desk.

Non-business days: Saturdays, Sundays, Japanese national holidays (including substitute holidays,
maintained upstream by the ``holidays`` package) and the year-end closure 12/29–1/3.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

YEAR_END_CLOSURE = {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_business_day(day: date) -> bool:
    if day.weekday() >= 5:
        return False
    if (day.month, day.day) in YEAR_END_CLOSURE:
        return False
    return day not in _national_holidays(day.year)


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` business days after ``start`` (``start`` itself not counted)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    current = start
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def next_business_day(day: date) -> date:
    """``day`` if it is a business day, else the first business day after it (the roll-forward rule)."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day
