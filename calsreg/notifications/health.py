"""Readiness check of mail delivery: mails that failed for good recently (see core/health.py)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from calsreg.core import clock
from calsreg.core.health import CheckResult
from calsreg.notifications.models import Delivery, DeliveryStatus


def failed_mails_check() -> CheckResult:
    """Red when more than ``CALSREG_READY_FAILED_MAIL_MAX`` deliveries failed for good within the last
    ``CALSREG_READY_FAILED_MAIL_HOURS`` hours (one COUNT)."""
    hours = settings.READY_FAILED_MAIL_HOURS
    since = clock.now() - timedelta(hours=hours)
    failed = Delivery.objects.filter(status=DeliveryStatus.FAILED, last_attempt_at__gte=since).count()
    return CheckResult(
        name="failed_mails",
        ok=failed <= settings.READY_FAILED_MAIL_MAX,
        detail=f"{failed} failed in the last {hours} h",
        value=float(failed),
    )
