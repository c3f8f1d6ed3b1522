"""What the task workers and their queues look like now, and the daily jobs' history: for readiness
checks, metrics and the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, Count, F, Min, QuerySet, When
from django_tasks_db.models import DBTaskResult, get_date_max

from calsreg.core import clock
from calsreg.jobs.models import DailyJobRun, WorkerHeartbeat

HISTORY_LIMIT = 60


def workers_alive(*, within_seconds: int) -> QuerySet[WorkerHeartbeat]:
    """Workers that wrote their heartbeat within the last ``within_seconds``."""
    return WorkerHeartbeat.objects.filter(beat_at__gte=clock.now() - timedelta(seconds=within_seconds))


def workers_silent(*, for_seconds: int) -> QuerySet[WorkerHeartbeat]:
    """Workers whose last heartbeat is older than ``for_seconds`` (dead, hung or cut off)."""
    return WorkerHeartbeat.objects.filter(beat_at__lt=clock.now() - timedelta(seconds=for_seconds)).order_by(
        "beat_at"
    )


def queue_oldest_due_age_seconds() -> dict[str, float]:
    """Per queue, how long the oldest task that is READY and due has been waiting (seconds).

    Waiting counts from when it became due: its ``run_after`` if it was scheduled, else when it was
    enqueued. Queues with nothing due are absent.
    """
    now = clock.now()
    # django-tasks-db stores "no run_after" as a far-future sentinel; ready() keeps only due rows.
    due_since = Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after"))
    rows = (
        DBTaskResult.objects.ready()
        .annotate(due_since=due_since)
        .values("queue_name")
        .annotate(oldest=Min("due_since"))
        .order_by("queue_name")
    )
    return {row["queue_name"]: max(0.0, (now - row["oldest"]).total_seconds()) for row in rows}


@dataclass(frozen=True)
class TaskCounts:
    ready: int
    running: int
    failed: int
    successful: int


def task_counts_by_queue() -> dict[str, TaskCounts]:
    """Per queue, how many tasks are READY (due or not), RUNNING, FAILED, SUCCESSFUL."""
    counts: dict[str, dict[str, int]] = {}
    for row in DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["queue_name"], {})[row["status"]] = row["n"]
    return {
        queue: TaskCounts(
            ready=by_status.get("READY", 0),
            running=by_status.get("RUNNING", 0),
            failed=by_status.get("FAILED", 0),
            successful=by_status.get("SUCCESSFUL", 0),
        )
        for queue, by_status in sorted(counts.items())
    }


def daily_job_runs_recent(*, limit: int = HISTORY_LIMIT) -> QuerySet[DailyJobRun]:
    """The newest runs first (one query)."""
    return DailyJobRun.objects.order_by("-started_at", "-id")[:limit]
