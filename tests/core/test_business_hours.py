"""Business hours between two moments: desk hours on business days only, additive, and formatted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from calsreg.core.business_hours import (
    BusinessClock,
    business_hours_between,
    business_time_between,
    format_business_hours,
)

JST = ZoneInfo("Asia/Tokyo")


def jst(day: str, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=JST)


# Moments over 2025–2027 (holidays, a year-end closure and weekends on both sides), to the second.
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(JST)
).map(lambda moment: moment.replace(microsecond=0))


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (jst("2026-11-24", 9), jst("2026-11-24", 17), 7.0),  # one whole Tuesday, less the lunch hour
        (jst("2026-11-24", 10), jst("2026-11-24", 13, 20), 2 + 20 / 60),  # over lunch
        (jst("2026-11-24", 7), jst("2026-11-24", 8), 0.0),  # before opening
        (jst("2026-11-24", 16), jst("2026-11-24", 20), 1.0),  # past closing
        (jst("2026-11-27", 16), jst("2026-11-30", 10), 2.0),  # Friday 16:00 → Monday 10:00
        (jst("2026-11-20", 16), jst("2026-11-24", 10), 2.0),  # over 勤労感謝の日 (Monday 11/23)
        (jst("2026-12-25", 12), jst("2027-01-05", 12), 4 + 7 + 7 + 3),  # over the 12/29–1/3 closure
        (jst("2026-11-28", 10), jst("2026-11-29", 15), 0.0),  # a weekend
        (jst("2026-11-24", 12), jst("2026-11-24", 11), 0.0),  # end before start
        (jst("2026-11-02", 9), jst("2026-11-13", 17), 63.0),  # two weeks less 文化の日 (Tuesday 11/3)
        (jst("2026-11-24", 11, 30), jst("2026-11-24", 13, 30), 1.0),  # the lunch hour is not counted
        (jst("2026-11-24", 12, 10), jst("2026-11-24", 12, 50), 0.0),  # within the lunch hour
    ],
)
def test_fixed_examples(start, end, hours):
    assert business_hours_between(start, end) == pytest.approx(hours)


def test_moments_in_utc_are_counted_in_japan_time():
    # 00:00–08:00 UTC is 09:00–17:00 in Japan (less the lunch hour).
    start = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert business_hours_between(start, start + timedelta(hours=8)) == 7.0


def test_desk_hours_come_from_the_settings(settings):
    settings.DESK_HOURS_START, settings.DESK_HOURS_END = 8, 18

    assert business_hours_between(jst("2026-11-24", 0), jst("2026-11-25", 0)) == 9.0
    settings.DESK_LUNCH_START = settings.DESK_LUNCH_END = 12  # no lunch break
    assert business_hours_between(jst("2026-11-24", 0), jst("2026-11-25", 0)) == 10.0


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        business_hours_between(datetime(2026, 11, 24, 9), datetime(2026, 11, 24, 10))


@given(start=moments, end=moments)
@settings(max_examples=300, deadline=None)
def test_never_negative_and_never_more_than_the_wall_clock(start, end):
    spent = business_time_between(start, end)

    assert spent >= timedelta(0)
    assert spent <= max(end - start, timedelta(0))


@given(points=st.lists(moments, min_size=3, max_size=3))
@settings(max_examples=300, deadline=None)
def test_additive_over_a_split_point(points):
    a, b, c = sorted(points)

    assert business_time_between(a, c) == business_time_between(a, b) + business_time_between(b, c)


@given(
    saturday=st.dates(min_value=datetime(2025, 1, 4).date(), max_value=datetime(2027, 12, 25).date()).map(
        lambda day: day + timedelta(days=(5 - day.weekday()) % 7)
    ),
    start_seconds=st.integers(min_value=0, max_value=2 * 86_400),
    length_seconds=st.integers(min_value=0, max_value=2 * 86_400),
)
@settings(max_examples=200, deadline=None)
def test_zero_over_a_weekend(saturday, start_seconds, length_seconds):
    weekend_start = datetime.combine(saturday, datetime.min.time(), tzinfo=JST)
    start = weekend_start + timedelta(seconds=start_seconds)
    end = min(start + timedelta(seconds=length_seconds), weekend_start + timedelta(days=2))

    assert business_hours_between(start, end) == 0.0


@given(start=moments)
@settings(max_examples=100, deadline=None)
def test_a_whole_week_from_any_moment_is_at_most_five_business_days(start):
    spent = business_hours_between(start, start + timedelta(days=7))

    assert 0 <= spent <= 5 * 7


@pytest.mark.parametrize(
    ("hours", "japanese", "english"),
    [
        (0, "0分", "0 min"),
        (20 / 60, "20分", "20 min"),
        (3, "3時間", "3 h"),
        (3 + 20 / 60, "3時間20分", "3 h 20 min"),
        (7, "1営業日", "1 business day"),  # a business day: 9–17 less the lunch hour
        (15, "2営業日と1時間", "2 business days and 1 h"),
        (14 + 5 / 60, "2営業日と5分", "2 business days and 5 min"),
        (timedelta(hours=8, minutes=30), "1営業日と1時間30分", "1 business day and 1 h 30 min"),
    ],
)
def test_format(hours, japanese, english):
    with translation.override("ja"):
        assert format_business_hours(hours) == japanese
    with translation.override("en"):
        assert format_business_hours(hours) == english


@given(start=moments, end=moments)
@settings(max_examples=200, deadline=None)
def test_the_clock_reads_unix_timestamps_as_it_reads_datetimes(start, end):
    clock = BusinessClock()

    assert clock.at_timestamp(start.timestamp()) == clock.at(start)
    assert clock.at_timestamps([start.timestamp(), None, end.timestamp()]) == [
        clock.at(start),
        None,
        clock.at(end),
    ]
    if end > start:
        readings = clock.at_timestamp(end.timestamp()) - clock.at_timestamp(start.timestamp())
        assert timedelta(microseconds=readings) == business_time_between(start, end)
