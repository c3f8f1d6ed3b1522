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
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from calsreg.core import clock
from calsreg.jobs.alerts import admin_alert_send
from calsreg.jobs.models import AlertCondition, DailyJobRun, WorkerHeartbeat
from calsreg.jobs.registry import DAILY_JOBS, WORKER_MAINTENANCE

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


# Any constant both workers agree on: the key of the transaction-level advisory lock below.
DAILY_SCHEDULE_LOCK_KEY = 0x63616C73  # "cals"


def _daily_schedule_lock() -> None:
    """Several workers run the check-then-insert below at once (at start and as maintenance): on
    PostgreSQL they take turns on an advisory lock, so only one inserts when no run waits. (SQLite
    runs one writer at a time anyway.)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DAILY_SCHEDULE_LOCK_KEY])


@transaction.atomic
def daily_run_ensure_scheduled(*, now: datetime | None = None) -> bool:
    """Queue the next daily run unless one is already waiting; True if one was queued."""
    from calsreg.jobs.tasks import daily_jobs

    _daily_schedule_lock()
    waiting = DBTaskResult.objects.select_for_update().filter(task_path=DAILY_TASK_PATH, status="READY")
    if waiting.exists():
        return False
    daily_jobs.using(run_after=next_daily_run_at(now=now or clock.now())).enqueue()
    return True


@dataclass(frozen=True)
class WorkerIdentity:
    worker_id: str
    hostname: str
    pid: int
    queues: str
    started_at: datetime


def worker_heartbeat_beat(*, worker: WorkerIdentity, current_task_id: str | None, tasks_done: int) -> None:
    """Write the worker's heartbeat row now (insert or update: one row per worker id)."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker.worker_id,
        defaults={
            "hostname": worker.hostname[:255],
            "pid": worker.pid,
            "queues": worker.queues[:255],
            "started_at": worker.started_at,
            "beat_at": clock.now(),
            "current_task_id": current_task_id,
            "tasks_done": tasks_done,
        },
    )


def worker_heartbeat_remove(*, worker_id: str) -> int:
    """A worker exiting cleanly removes its row (it holds no task any more); how many rows went."""
    deleted, _ = WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    return deleted


def tasks_orphaned_requeue() -> int:
    """Put back to READY the tasks a dead worker left RUNNING; how many.

    A task is orphaned when it started more than ``WORKER_LEASE_SECONDS`` ago and the worker that
    claimed it last (``worker_ids[-1]``) has not written its heartbeat within that lease (or has no
    heartbeat row at all: it was killed, or its machine went away). Each row is put back with a
    conditional UPDATE on its status and start time, so two workers running this at once, or a
    worker that claims the row again in between, cannot requeue it twice.

    Running a task again is safe because every task of ours is idempotent:
    ``send_delivery`` claims its Delivery row (pending → sending) and a second run skips a sent one;
    the webhook and logout tasks go through ``core.outbound``'s claim of the delivery row, and the
    receiver deduplicates by event/token id; ``billing_run_task`` fills in its queued BillingRun and
    skips projects already invoiced in the month; ``password_reset_request_task`` at worst mails a
    second link (the first stays valid until used); ``backchannel_logout_for_event`` ends sessions
    and writes deliveries only where none exist; ``daily_jobs`` runs idempotent sweeps (see
    DAILY_JOBS) and queues tomorrow's run only if none waits.
    """
    cutoff = clock.now() - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    requeued = 0
    stale = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=cutoff)
        .only("id", "task_path", "worker_ids", "started_at")
    )
    for row in stale:
        if row.worker_ids and row.worker_ids[-1] in alive:
            continue
        put_back = task_running_requeue(task_id=str(row.pk), started_at=row.started_at)
        if put_back:
            logger.warning(
                "task %s (%s) requeued: its worker %s is silent",
                row.pk,
                row.task_path,
                row.worker_ids[-1] if row.worker_ids else "?",
            )
        requeued += put_back
    return requeued


def task_running_requeue(*, task_id: str, started_at: datetime | None) -> int:
    """Put one RUNNING task back to READY if it is still the run that started at ``started_at`` (a
    conditional UPDATE: a second caller, or a worker that claimed it again since, changes nothing)."""
    return DBTaskResult.objects.filter(
        pk=task_id, status=TaskResultStatus.RUNNING, started_at=started_at
    ).update(status=TaskResultStatus.READY)


def worker_maintenance_run() -> list[JobOutcome]:
    """Run every WORKER_MAINTENANCE entry once; one failing is logged and does not stop the others."""
    outcomes = []
    for name, path in WORKER_MAINTENANCE:
        try:
            handled = import_string(path)()
        except Exception as exc:  # logged: maintenance must never stop the worker
            logger.exception("worker maintenance %s failed", name)
            outcomes.append(JobOutcome(name=name, handled=None, error=f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.append(JobOutcome(name=name, handled=int(handled or 0)))
    return outcomes
