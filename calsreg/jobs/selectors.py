"""Reads of the daily jobs' history."""

from __future__ import annotations

from django.db.models import QuerySet

from calsreg.jobs.models import DailyJobRun

HISTORY_LIMIT = 60


def daily_job_runs_recent(*, limit: int = HISTORY_LIMIT) -> QuerySet[DailyJobRun]:
    """The newest runs first (one query)."""
    return DailyJobRun.objects.order_by("-started_at", "-id")[:limit]
