"""Readiness checks of the task workers (each a callable without arguments, listed by dotted path in
the readiness endpoint's READINESS_CHECKS)."""

from __future__ import annotations

from django.conf import settings

from calsreg.core.health import CheckResult
from calsreg.jobs.selectors import queue_oldest_due_age_seconds, workers_alive, workers_silent


def workers_check() -> CheckResult:
    """Red when no worker wrote its heartbeat within READY_WORKER_SILENT_SECONDS; value: live workers."""
    limit = settings.READY_WORKER_SILENT_SECONDS
    alive = workers_alive(within_seconds=limit).count()
    silent = list(workers_silent(for_seconds=limit).values_list("worker_id", flat=True)[:10])
    detail = f"{alive} worker(s) alive within {limit} s"
    if silent:
        detail += "; silent: " + ", ".join(silent)
    return CheckResult(name="workers", ok=alive > 0, detail=detail, value=float(alive))


def queue_age_check() -> CheckResult:
    """Red when a due task has waited longer than READY_QUEUE_AGE_MINUTES; value: the oldest wait (s)."""
    limit_seconds = settings.READY_QUEUE_AGE_MINUTES * 60
    ages = queue_oldest_due_age_seconds()
    oldest = max(ages.values(), default=0.0)
    late = [f"{queue} {age / 60:.1f} min" for queue, age in ages.items() if age > limit_seconds]
    detail = (
        "oldest due task per queue: " + ", ".join(f"{q} {a:.0f} s" for q, a in ages.items())
        if ages
        else "no due task waiting"
    )
    if late:
        detail = f"older than {settings.READY_QUEUE_AGE_MINUTES} min: " + ", ".join(late)
    return CheckResult(name="task_queue_age", ok=not late, detail=detail, value=oldest)
