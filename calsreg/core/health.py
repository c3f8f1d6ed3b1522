"""Liveness and readiness: what the load balancer and the operator's monitoring ask.

A readiness check is a callable without arguments returning a ``CheckResult``; the endpoint runs every
one listed in ``READINESS_CHECKS`` (dotted paths, so this bottom layer names checks of the apps above
it without importing them). Each check is cheap (a query or two) and guarded: a check that raises is a
failed check naming the exception's class, never a server error.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass

from django.db import connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    value: float | None = None


READINESS_CHECKS: tuple[str, ...] = (
    "calsreg.core.health.database_check",
    "calsreg.notifications.health.failed_mails_check",
    "calsreg.billing.health.stuck_billing_runs_check",
    # A worker wrote its heartbeat recently; no due task waits too long.
    "calsreg.jobs.health.workers_check",
    "calsreg.jobs.health.queue_age_check",
    # The administrators' "no worker for an hour" alert, evaluated on the web side (a dead worker
    # cannot report its own death); always ok, it only sends the mail when due.
    "calsreg.jobs.alerts.worker_silence_alert_check",
    # Each configured mailbox has a reader that reported recently (none configured: always ok).
    "calsreg.mailbox.health.mailbox_readers_check",
)


def database_check() -> CheckResult:
    """SELECT 1 and how long it took (milliseconds)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return CheckResult(name="database", ok=True, detail=f"SELECT 1 in {elapsed_ms} ms", value=elapsed_ms)


def readiness_run(checks: tuple[str, ...] | None = None) -> list[CheckResult]:
    """Every readiness check's result, in order; one failing or raising does not stop the others."""
    return [_guarded(path) for path in (READINESS_CHECKS if checks is None else checks)]


def results_payload(results: list[CheckResult]) -> dict:
    return {"status": "ok" if all(r.ok for r in results) else "fail", "checks": [asdict(r) for r in results]}


def _guarded(path: str) -> CheckResult:
    name = path.rsplit(".", 1)[-1].removesuffix("_check")
    try:
        return import_string(path)()
    except Exception as exc:  # a broken check is a red check, never a 500
        logger.warning("readiness check %s raised %s", name, type(exc).__name__, exc_info=True)
        return CheckResult(name=name, ok=False, detail=f"check raised {type(exc).__name__}")
