"""Business hours between two moments, for the desk's per-step timers and the dashboard's lead times.

Only time on the help desk's business days (``core.calendar``: no weekends, national holidays or the
12/29–1/3 closure) between ``settings.DESK_HOURS_START`` and ``settings.DESK_HOURS_END`` o'clock, Japan
time, less the lunch break (``DESK_LUNCH_START``–``DESK_LUNCH_END``, when the desk does not answer), counts: an application received on Friday at 16:00 and confirmed on Monday at 10:00 waited two
business hours, not 66 hours. Japan has no daylight saving time, so wall-clock arithmetic is exact.

How: ``BusinessClock.at(t)`` is the business time from a fixed origin to ``t`` — business days
before ``t``'s date times the day's length, plus the part of ``t``'s own day — and the time between
two moments is the difference. So the count is additive by construction (for a ≤ b ≤ c,
``between(a, c) == between(a, b) + between(b, c)`` exactly), and each call costs two cached
look-ups: the dashboard computes tens of thousands of them per page.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calsreg.core.calendar import is_business_day

JAPAN = ZoneInfo("Asia/Tokyo")
HOUR = timedelta(hours=1)
_HOUR_US = 3_600_000_000


def desk_hours() -> tuple[int, int]:
    """The desk's opening and closing hour (from the settings, read on each call)."""
    start, end = int(settings.DESK_HOURS_START), int(settings.DESK_HOURS_END)
    if not 0 <= start < end <= 24:
        raise ValueError(f"DESK_HOURS_START/END must satisfy 0 <= start < end <= 24, not {start}/{end}")
    return start, end


def desk_lunch() -> tuple[int, int]:
    """The lunch break within the desk's hours as (start, end) hours; (h, h) when there is none."""
    opening, closing = desk_hours()
    start, end = int(settings.DESK_LUNCH_START), int(settings.DESK_LUNCH_END)
    start, end = max(start, opening), min(end, closing)
    return (start, end) if start < end else (opening, opening)


def business_day_length() -> timedelta:
    """One business day's worth of desk hours (7 hours for 9–17 with a lunch hour)."""
    opening, closing = desk_hours()
    lunch_start, lunch_end = desk_lunch()
    return timedelta(hours=closing - opening - (lunch_end - lunch_start))


def business_time_between(start: datetime, end: datetime) -> timedelta:
    """Business time from ``start`` to ``end`` (aware datetimes); zero when ``end`` is not after
    ``start``. Raises ``ValueError`` for a naive datetime."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("business_time_between needs aware datetimes")
    if end <= start:
        return timedelta(0)
    clock = BusinessClock()
    return timedelta(microseconds=clock.at(end) - clock.at(start))


def business_hours_between(start: datetime, end: datetime) -> float:
    """``business_time_between`` in hours (3.5 = 3 hours 30 minutes)."""
    return business_time_between(start, end) / HOUR


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_JAPAN_OFFSET_SECONDS = 9 * 3600  # no daylight saving time since 1951


class BusinessClock:
    """Business time from a fixed origin to a moment; the difference of two readings is the business
    time between them. For many durations at once (the dashboard's lead times): the desk hours are
    read once, and moments may be given as Unix timestamps (no ``datetime`` needed)."""

    def __init__(self) -> None:
        self.opening, self.closing = desk_hours()
        lunch_start, lunch_end = desk_lunch()
        self._opening_us = self.opening * _HOUR_US
        self._closing_us = self.closing * _HOUR_US
        self._lunch_start_us = lunch_start * _HOUR_US
        self._lunch_end_us = lunch_end * _HOUR_US
        self._day_us = self._closing_us - self._opening_us - (self._lunch_end_us - self._lunch_start_us)

    def within_day(self, since_midnight_us: int) -> int:
        """Business microseconds of a business day up to this time of day."""
        worked = min(max(since_midnight_us, self._opening_us), self._closing_us) - self._opening_us
        lunch = min(max(since_midnight_us, self._lunch_start_us), self._lunch_end_us) - self._lunch_start_us
        return worked - lunch

    def at(self, moment: datetime) -> int:
        """Business microseconds from the origin to ``moment`` (aware)."""
        local = moment.astimezone(JAPAN)
        since_midnight = (
            (local.hour * 60 + local.minute) * 60 + local.second
        ) * 1_000_000 + local.microsecond
        return self._reading(local.toordinal(), since_midnight)

    def at_timestamp(self, seconds: float) -> int:
        """As ``at`` for a Unix timestamp (seconds since 1970-01-01 00:00 UTC)."""
        local = seconds + _JAPAN_OFFSET_SECONDS
        days = int(local // 86_400)
        return self._reading(_EPOCH_ORDINAL + days, round((local - days * 86_400) * 1_000_000))

    def at_timestamps(self, timestamps: Iterable[float | None]) -> list[int | None]:
        """``at_timestamp`` of each (None stays None), in one loop: the dashboard reads tens of
        thousands at a time, so the day look-up is kept local and the arithmetic inlined."""
        days_cache: dict[int, tuple[int, bool]] = {}
        day_us, within_day = self._day_us, self.within_day
        readings: list[int | None] = []
        for seconds in timestamps:
            if seconds is None:
                readings.append(None)
                continue
            local = seconds + _JAPAN_OFFSET_SECONDS
            days = int(local // 86_400)
            day = days_cache.get(days)
            if day is None:
                day = days_cache[days] = _day(_EPOCH_ORDINAL + days)
            total = day[0] * day_us
            if day[1]:
                total += within_day(round((local - days * 86_400) * 1_000_000))
            readings.append(total)
        return readings

    def _reading(self, ordinal: int, since_midnight_us: int) -> int:
        days_before, business = _day(ordinal)
        total = days_before * self._day_us
        if business:
            total += self.within_day(since_midnight_us)
        return total


@lru_cache(maxsize=8192)
def _day(ordinal: int) -> tuple[int, bool]:
    """For the day ``date.fromordinal(ordinal)``: (business days from the origin up to the day before
    it, whether it is one)."""
    day = date.fromordinal(ordinal)
    cumulative = _cumulative_in_year(day.year)
    index = ordinal - date(day.year, 1, 1).toordinal()
    return _year_offset(day.year) + cumulative[index], cumulative[index + 1] > cumulative[index]


_ORIGIN_YEAR = 2025  # any year will do (only differences are used); near today, little to compute


@lru_cache(maxsize=256)
def _year_offset(year: int) -> int:
    """Business days from 1 January ``_ORIGIN_YEAR`` to 1 January ``year`` (negative before it)."""
    if year == _ORIGIN_YEAR:
        return 0
    if year > _ORIGIN_YEAR:
        return _year_offset(year - 1) + _cumulative_in_year(year - 1)[-1]
    return _year_offset(year + 1) - _cumulative_in_year(year)[-1]


@lru_cache(maxsize=256)
def _cumulative_in_year(year: int) -> tuple[int, ...]:
    """Entry i: business days among the first i days of ``year`` (length = days in the year + 1)."""
    counts = [0]
    day = date(year, 1, 1)
    while day.year == year:
        counts.append(counts[-1] + is_business_day(day))
        day += timedelta(days=1)
    return tuple(counts)


def format_business_hours(hours: float | timedelta) -> str:
    """'3時間20分', or from one business day up '2営業日と1時間' (a business day = the desk's hours);
    English: '3 h 20 min', '2 business days and 1 h'. Rounded to the minute."""
    if isinstance(hours, timedelta):
        hours = hours / HOUR
    minutes = max(0, round(hours * 60))
    day_minutes = max(1, round(business_day_length() / timedelta(minutes=1)))
    days, rest = divmod(minutes, day_minutes)
    within = _hours_and_minutes(rest)
    if not days:
        return within
    days_text = ngettext("%(days)d営業日", "%(days)d営業日", days) % {"days": days}
    if not rest:
        return days_text
    return _("%(days)sと%(rest)s") % {"days": days_text, "rest": within}


def _hours_and_minutes(minutes: int) -> str:
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d時間%(minutes)d分") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d時間") % {"hours": hours}
    return _("%(minutes)d分") % {"minutes": minutes}
