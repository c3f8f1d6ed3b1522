"""Running the daily jobs, and keeping exactly one scheduled run in the task queue.

django-tasks has no periodic scheduler: the daily task re-enqueues itself for the next day, and the
worker's start-up (``manage.py run_worker``) makes sure one run is queued. Every job is idempotent,
so a duplicated or a missed-then-caught-up run is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from time import perf_counter

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from calsreg.core import clock
from calsreg.jobs.alerts import admin_alert_send
from calsreg.jobs.models import AlertCondition, DailyJobRun
from calsreg.jobs.registry import DAILY_JOBS

logger = logging.getLogger(__name__)

DAILY_TASK_PATH = "calsreg.jobs.tasks.daily_jobs"
# An error kept in the history is cut here (a traceback belongs in the log, not on the page).
JOB_ERROR_MAX_CHARS = 500


@dataclass(frozen=True)
class JobOutcome:
    name: str
    handled: int | None
    error: str = ""
    seconds: float = 0.0


def daily_jobs_run() -> list[JobOutcome]:
    """Run every daily job once, timing each; one job failing does not stop the others. The run is
    kept in the history (``DailyJobRun``, the desk's page) and a failure mails the administrators."""
    started_at = clock.now()
    started = perf_counter()
    outcomes = [_job_run(name=name, path=path) for name, path in DAILY_JOBS]
    daily_job_run_record(started_at=started_at, seconds=perf_counter() - started, outcomes=outcomes)
    failed = [o for o in outcomes if o.error]
    if failed:
        admin_alert_send(
            condition=AlertCondition.DAILY_JOB_FAILED,
            detail="\n".join(f"{o.name}: {o.error}" for o in failed),
        )
    return outcomes


def _job_run(*, name: str, path: str) -> JobOutcome:
    started = perf_counter()
    try:
        handled = import_string(path)()
    except Exception as exc:  # logged and reported: the other jobs must still run
        logger.exception("daily job %s failed", name)
        error = f"{type(exc).__name__}: {exc}"[:JOB_ERROR_MAX_CHARS]
        return JobOutcome(name=name, handled=None, error=error, seconds=_since(started))
    return JobOutcome(name=name, handled=handled, seconds=_since(started))


def _since(started: float) -> float:
    return round(perf_counter() - started, 3)


def daily_job_run_record(*, started_at: datetime, seconds: float, outcomes: list[JobOutcome]) -> DailyJobRun:
    """Keep one run of the daily jobs for the history page."""
    return DailyJobRun.objects.create(
        started_at=started_at,
        finished_at=started_at + timedelta(seconds=seconds),
        duration_seconds=round(seconds, 3),
        outcomes=[asdict(o) for o in outcomes],
        ok=not any(o.error for o in outcomes),
    )


def next_daily_run_at(*, now: datetime) -> datetime:
    """The next DAILY_JOBS_HOUR o'clock in Japan time strictly after ``now``."""
    local = timezone.localtime(now)
    candidate = timezone.make_aware(datetime.combine(local.date(), time(hour=settings.DAILY_JOBS_HOUR)))
    return candidate if candidate > local else candidate + timedelta(days=1)


def task_results_prune_finished() -> int:
    """Delete the rows of tasks that finished (succeeded or failed) more than
    ``TASK_RESULT_RETENTION_DAYS`` ago; how many. Waiting and running tasks stay.

    The selection of django-tasks-db's ``prune_db_task_results`` command (its ``finished()`` rows by
    ``finished_at``, every queue), made here rather than by calling the command so the daily run can
    report the count. Idempotent: a second run finds nothing more.
    """
    cutoff = clock.now() - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    # The daily jobs' history is kept as long (its errors may quote a value the job handled).
    runs, _ = DailyJobRun.objects.filter(started_at__lt=cutoff).delete()
    return deleted + runs


@transaction.atomic
def daily_run_ensure_scheduled(*, now: datetime | None = None) -> bool:
    """Queue the next daily run unless one is already waiting; True if one was queued."""
    from calsreg.jobs.tasks import daily_jobs

    waiting = DBTaskResult.objects.select_for_update().filter(task_path=DAILY_TASK_PATH, status="READY")
    if waiting.exists():
        return False
    daily_jobs.using(run_after=next_daily_run_at(now=now or clock.now())).enqueue()
    return True
