"""The dashboard's figures, each in one query whatever the number of rows.

Counts and weekly numbers are aggregated by the database (``GROUP BY``); the receivables are one
conditional aggregate over the open invoices. Lead times need business hours, which SQL cannot
count, so they load the step timestamps of the last ``LEAD_TIME_DAYS`` only: the rows grow with the
desk's throughput in that window, not with the size of the tables.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    DateField,
    FloatField,
    Func,
    Model,
    Q,
)
from django.db.models.functions import TruncWeek
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calsreg.applications.models import Application
from calsreg.applications.selectors import queue_status_counts
from calsreg.billing.agent_selectors import receivables_aging
from calsreg.changes.models import ChangeRequest, ChangeStatus
from calsreg.core.business_hours import JAPAN, BusinessClock, format_business_hours
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
    week included) by their current status (one ``GROUP BY week, status`` query)."""
    mondays = [week_start(today) - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    since = datetime.combine(mondays[0], time(0), tzinfo=JAPAN)
    counts: dict[date, dict[str, int]] = {monday: {} for monday in mondays}
    rows = (
        Application.objects.filter(submitted_at__gte=since)
        .annotate(week=TruncWeek("submitted_at", output_field=DateField(), tzinfo=JAPAN))
        .order_by()
        .values("week", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        if row["week"] in counts:  # a receipt dated in the future (clock skew) is left out
            counts[row["week"]][row["status"]] = row["n"]
    return WeeklyCounts(weeks=mondays, counts=counts)


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


class EpochSeconds(Func):
    """A datetime column as seconds since 1970-01-01 00:00 UTC (a float, NULL stays NULL): the lead
    times read thousands of timestamps, and floats are several times cheaper to fetch than aware
    ``datetime`` objects."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM %(expressions)s)"

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8")

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # Django keeps datetimes as UTC text on SQLite; julianday() reads it (2440587.5 = 1970-01-01).
        return self.as_sql(
            compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        )


def _lead_times(
    model: type[Model],
    fields: Sequence[str],
    steps: Sequence[tuple[str, Promise, str, str]],
    *,
    now: datetime,
    days: int,
) -> list[LeadTime]:
    """One query: the step timestamps of the rows with a step ended in the window, as Unix seconds;
    each step's business hours from two readings of one ``BusinessClock``."""
    since = now - timedelta(days=days)
    rows = (
        model._default_manager.filter(_ended_since(fields[1:], since))
        .order_by()
        .values_list(*(EpochSeconds(name) for name in fields))
    )
    columns = list(zip(*rows, strict=True)) or [() for _name in fields]
    readings = [BusinessClock().at_timestamps(column) for column in columns]
    since_seconds = since.timestamp()
    position = {name: index for index, name in enumerate(fields)}
    hours: dict[str, list[float]] = {}
    for key, _label, start_field, end_field in steps:
        start, end = position[start_field], position[end_field]
        hours[key] = [
            max(0, ended - started) / HOUR_MICROSECONDS
            for started, ended, ended_at in zip(readings[start], readings[end], columns[end], strict=True)
            if started is not None and ended is not None and ended_at >= since_seconds
        ]
    return [
        LeadTime(
            key=key,
            label=label,
            count=len(hours[key]),
            median_hours=statistics.median(hours[key]) if hours[key] else None,
            p90_hours=percentile(hours[key], 90) if hours[key] else None,
        )
        for key, label, _start, _end in steps
    ]


def _ended_since(fields: Iterable[str], since: datetime) -> Q:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__gte": since})
    return condition


def application_lead_times(*, now: datetime, days: int = LEAD_TIME_DAYS) -> list[LeadTime]:
    """Median and 90th percentile business hours of each step completed in the last ``days`` days
    (a step counts when it ended in the window), then of the whole journey (one query)."""
    fields = ("submitted_at", "confirmed_at", "registered_at", "in_service_at")
    return _lead_times(Application, fields, (*APPLICATION_STEPS, APPLICATION_TOTAL), now=now, days=days)


def change_request_lead_times(*, now: datetime, days: int = LEAD_TIME_DAYS) -> list[LeadTime]:
    """As ``application_lead_times``: received → verified → applied, and the whole (one query)."""
    fields = ("submitted_at", "verified_at", "applied_at")
    return _lead_times(ChangeRequest, fields, (*CHANGE_STEPS, CHANGE_TOTAL), now=now, days=days)


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
