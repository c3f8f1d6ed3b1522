"""The dashboard's figures, each in one query whatever the number of rows.

Counts and weekly numbers are aggregated by the database (``GROUP BY``); the receivables are one
conditional aggregate over the open invoices. Lead times read the business time of each step,
stored when the step ended (``core.step_times``), through an index on (step, ended_at): the steps
ended in the last ``LEAD_TIME_DAYS`` only, never the whole tables.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    FloatField,
    IntegerField,
    Model,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncWeek
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calsreg.applications.models import Application, ApplicationStepTime
from calsreg.applications.selectors import queue_status_counts
from calsreg.billing.agent_selectors import receivables_aging
from calsreg.changes.models import ChangeRequest, ChangeRequestStepTime, ChangeStatus
from calsreg.core.business_hours import JAPAN, format_business_hours
from calsreg.desk.dashboard.timers import APPLICATION_STEPS, CHANGE_STEPS

WEEKS = 12
HOUR_MICROSECONDS = 3_600_000_000
LEAD_TIME_DAYS = 90

# Whole journeys, shown after the steps.
APPLICATION_TOTAL = ("received_in_service", _("受付 → 利用開始（全体）"), "submitted_at", "in_service_at")
CHANGE_TOTAL = ("received_applied", _("受付 → 反映（全体）"), "submitted_at", "applied_at")


def application_counts() -> dict[str, int]:
    """Applications per status, every status present (one query)."""
    return queue_status_counts()


def change_request_counts() -> dict[str, int]:
    """Change requests per status, every status present (one query)."""
    counts = dict.fromkeys(ChangeStatus.values, 0)
    for row in ChangeRequest.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class WeeklyCounts:
    weeks: list[date]  # the Mondays, oldest first
    counts: dict[date, dict[str, int]]  # week → status → applications received that week

    def total(self, week: date) -> int:
        return sum(self.counts[week].values())


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def applications_per_week(*, today: date, weeks: int = WEEKS) -> WeeklyCounts:
    """Applications received in each of the last ``weeks`` weeks (Monday to Sunday, Japan time, this
    week included) by their current status (one ``GROUP BY week, status`` query, read from the
    (submitted_at, status) index)."""
    mondays = [week_start(today) - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    since = datetime.combine(mondays[0], time(0), tzinfo=JAPAN)
    counts: dict[date, dict[str, int]] = {monday: {} for monday in mondays}
    week, monday_of = _week_of_receipt(mondays)
    rows = (
        Application.objects.filter(submitted_at__gte=since)
        .annotate(week=week)
        .order_by()
        .values("week", "status")
        .annotate(n=Count("*"))
    )
    for row in rows:
        monday = monday_of(row["week"])
        if monday in counts:  # a receipt dated in the future (clock skew) is left out
            counts[monday][row["status"]] = row["n"]
    return WeeklyCounts(weeks=mondays, counts=counts)


def _week_of_receipt(mondays: list[date]) -> tuple[Any, Callable[[Any], date | None]]:
    """An expression naming each row's week of receipt, and how to read it back as the Monday.

    On PostgreSQL, ``width_bucket`` over the weeks' boundaries (the index of the week, 1 = the
    first; a few comparisons per row instead of a time-zone conversion: 9 → 2.7 ms for the 12 weeks
    at 100,000 applications); elsewhere ``TruncWeek`` in Japan time."""
    if connection.vendor != "postgresql":
        return TruncWeek("submitted_at", output_field=DateField(), tzinfo=JAPAN), lambda week: week
    edges = [datetime.combine(monday, time(0), tzinfo=JAPAN) for monday in mondays]
    edges.append(edges[-1] + timedelta(weeks=1))  # after this week: the future, left out
    bucket = RawSQL("width_bucket(submitted_at, %s::timestamptz[])", (edges,), output_field=IntegerField())
    return bucket, lambda index: mondays[index - 1] if 1 <= index <= len(mondays) else None


@dataclass(frozen=True)
class LeadTime:
    key: str
    label: Promise | str
    count: int  # steps completed in the window
    median_hours: float | None
    p90_hours: float | None

    @property
    def median_text(self) -> str:
        return format_business_hours(self.median_hours) if self.median_hours is not None else ""

    @property
    def p90_text(self) -> str:
        return format_business_hours(self.p90_hours) if self.p90_hours is not None else ""


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``percent`` % of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


class _Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregates: ``percentile_cont(0.5)`` is the median as
    ``statistics.median`` takes it (the mean of the two middle values of an even count);
    ``percentile_disc(0.9)`` is the nearest-rank percentile of ``percentile``."""

    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


# Exact percentiles sort the window, so their cost follows how much work ended in the window (100×
# more at 100k applications than at 1k in the bench), not the size of the history. A management
# chart over 90 days does not need to be fresher than a few minutes: the figures are kept for
# LEAD_TIME_CACHE_SECONDS per window position, so a busy desk computes them once per interval.
LEAD_TIME_CACHE_SECONDS = 300


def _step_figures(
    step_model: type[Model], keys: Sequence[str], since: datetime
) -> dict[str, tuple[int, float | None, float | None]]:
    """``_step_figures_computed``, kept for ``LEAD_TIME_CACHE_SECONDS``."""
    bucket = int(since.timestamp()) // LEAD_TIME_CACHE_SECONDS
    key = f"dashboard-steps:{step_model._meta.label}:{','.join(keys)}:{bucket}"
    figures = cache.get(key)
    if figures is None:
        figures = _step_figures_computed(step_model, keys, since)
        cache.set(key, figures, LEAD_TIME_CACHE_SECONDS)
    return figures  # type: ignore[no-any-return]


def _step_figures_computed(
    step_model: type[Model], keys: Sequence[str], since: datetime
) -> dict[str, tuple[int, float | None, float | None]]:
    """Step → (count, median, p90) in business microseconds, of the steps ended since ``since``.

    One query, served by the step table's (step, ended_at, business_us) index: one range scan per
    step. On PostgreSQL the database computes the percentiles; elsewhere the window's durations are
    read (a bounded list of integers) and computed here the same way."""
    window = step_model._default_manager.filter(step__in=keys, ended_at__gte=since).order_by()
    if connection.vendor == "postgresql":
        rows = window.values("step").annotate(
            count=Count("*"),
            median=_Percentile("business_us", function="percentile_cont", fraction="0.5"),
            p90=_Percentile("business_us", function="percentile_disc", fraction="0.9"),
        )
        return {row["step"]: (row["count"], row["median"], row["p90"]) for row in rows}
    durations: dict[str, list[int]] = {}
    for step, business_us in window.values_list("step", "business_us"):
        durations.setdefault(step, []).append(business_us)
    return {
        step: (len(values), statistics.median(values), percentile(values, 90))
        for step, values in durations.items()
    }


def _lead_times(
    step_model: type[Model],
    steps: Sequence[tuple[str, Promise, str, str]],
    *,
    now: datetime,
    days: int,
) -> list[LeadTime]:
    figures = _step_figures(step_model, [key for key, *_rest in steps], now - timedelta(days=days))
    lead_times = []
    for key, label, _start, _end in steps:
        count, median, p90 = figures.get(key, (0, None, None))
        lead_times.append(
            LeadTime(
                key=key,
                label=label,
                count=count,
                median_hours=median / HOUR_MICROSECONDS if median is not None else None,
                p90_hours=p90 / HOUR_MICROSECONDS if p90 is not None else None,
            )
        )
    return lead_times


def application_lead_times(*, now: datetime, days: int = LEAD_TIME_DAYS) -> list[LeadTime]:
    """Median and 90th percentile business hours of each step ended in the last ``days`` days, then
    of the whole journey (one query over ``ApplicationStepTime``).

    A step's duration is the business time between its two timestamps as they stand: a returned
    application is received again when the applicant sends the correction, so its first step is
    counted from the corrected application's receipt (the time spent correcting is the
    applicant's, not the desk's)."""
    steps = (*APPLICATION_STEPS, APPLICATION_TOTAL)
    return _lead_times(ApplicationStepTime, steps, now=now, days=days)


def change_request_lead_times(*, now: datetime, days: int = LEAD_TIME_DAYS) -> list[LeadTime]:
    """As ``application_lead_times``: received → verified → applied, and the whole (one query over
    ``ChangeRequestStepTime``)."""
    return _lead_times(ChangeRequestStepTime, (*CHANGE_STEPS, CHANGE_TOTAL), now=now, days=days)


@dataclass
class ReceivableBucket:
    key: str
    label: Promise | str
    count: int = 0
    amount: int = 0  # yen still owed


@dataclass
class Receivables:
    buckets: list[ReceivableBucket] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(bucket.count for bucket in self.buckets)

    @property
    def amount(self) -> int:
        return sum(bucket.amount for bucket in self.buckets)

    @property
    def overdue_amount(self) -> int:
        return sum(bucket.amount for bucket in self.buckets if bucket.key != "not_due")


def receivables(*, today: date) -> Receivables:
    """What is still owed on issued and posted invoices, by days past the due date in the billing
    agent's aging buckets: the billing side's one aggregate over the stored paid amounts
    (``billing.agent_selectors.receivables_aging``)."""
    buckets, _total = receivables_aging(today=today)
    return Receivables(
        buckets=[
            ReceivableBucket(
                key=bucket.key,
                label=bucket.label,  # type: ignore[arg-type]  # lazy translations in the billing table
                count=bucket.count,
                amount=bucket.amount,
            )
            for bucket in buckets
        ]
    )
