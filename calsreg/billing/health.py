"""Readiness check of billing runs: a queued or running run that stopped making progress."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from calsreg.billing.models import BillingRun
from calsreg.billing.models.invoices import IN_PROGRESS_RUN_STATUSES
from calsreg.billing.selectors import runs_silent_since
from calsreg.core import clock
from calsreg.core.health import CheckResult


def stuck_billing_runs_check() -> CheckResult:
    """Red when a run is queued or running and its heartbeat (written at start and after every
    invoice; before the first one, the row's last change) is older than
    ``CALSREG_READY_RUN_STALL_MINUTES`` (one COUNT). The workers resume such a run after its lease."""
    minutes = settings.READY_RUN_STALL_MINUTES
    stalled_before = clock.now() - timedelta(minutes=minutes)
    stuck = BillingRun.objects.filter(
        runs_silent_since(stalled_before), status__in=IN_PROGRESS_RUN_STATUSES
    ).count()
    return CheckResult(
        name="stuck_billing_runs",
        ok=stuck == 0,
        detail=f"{stuck} run(s) without progress for {minutes} min",
        value=float(stuck),
    )
