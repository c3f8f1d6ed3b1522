"""Alert mails to the administrators: a daily job failed, or no worker has run for a while.

Each condition mails at most once per ``CALSREG_ALERT_REPEAT_HOURS``: its ``AdminAlert`` row is locked
and its last sending checked in one transaction, so two processes noticing the same trouble at once
send one alert. The mail goes through the normal delivery (a ``Delivery`` row and its task); for the
"worker silent" alert the process that notices it also sends it at once (the workers are what is
missing); the queued task then finds it sent. The
readiness endpoint (which the monitoring polls) is where the silence is noticed: a dead worker cannot
report its own death.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from calsreg.core import clock
from calsreg.core.health import CheckResult
from calsreg.jobs.models import AdminAlert, AlertCondition, WorkerHeartbeat
from calsreg.jobs.selectors import queue_oldest_due_age_seconds
from calsreg.notifications.services import notification_enqueue
from calsreg.notifications.tasks import delivery_send

ALERT_KIND = "admin_alert"


def admin_recipients() -> list[str]:
    return list(settings.ADMIN_EMAILS) or [settings.HELP_DESK_EMAIL]


@transaction.atomic
def admin_alert_send(*, condition: str, detail: str, send_now: bool = False) -> bool:
    """Mail the administrators about ``condition`` unless it was mailed within the repeat period;
    True if mails were enqueued. ``send_now``: also send them from this process once committed (the
    "no worker" alert cannot wait for a worker; the queued task then finds them sent)."""
    now = clock.now()
    alert, created = AdminAlert.objects.select_for_update().get_or_create(
        condition=condition, defaults={"last_sent_at": now, "sent_count": 0}
    )
    if not created and alert.last_sent_at > now - timedelta(hours=settings.ALERT_REPEAT_HOURS):
        return False
    alert.last_sent_at = now
    alert.sent_count += 1
    alert.save(update_fields=["last_sent_at", "sent_count"])
    deliveries = [
        notification_enqueue(
            kind=ALERT_KIND,
            to=address,
            subject=alert,
            idempotency_key=f"{ALERT_KIND}:{condition}:{now.isoformat()}:{address}"[:200],
            context={"condition": str(AlertCondition(condition).label), "detail": detail[:2000]},
        )
        for address in admin_recipients()
    ]
    if send_now:
        transaction.on_commit(lambda: [delivery_send(delivery_id=delivery.pk) for delivery in deliveries])
    return True


def worker_silent_since(*, now: datetime) -> datetime | None:
    """When the workers went quiet, if longer ago than ``CALSREG_ALERT_WORKER_SILENT_MINUTES``; None
    while they are fine: the newest heartbeat. With no heartbeat row at all (every worker stopped
    cleanly, or none ever started): the oldest task due and still waiting, which is all the queue can
    tell."""
    cutoff = now - timedelta(minutes=settings.ALERT_WORKER_SILENT_MINUTES)
    newest = WorkerHeartbeat.objects.aggregate(newest=Max("beat_at"))["newest"]
    if newest is not None:
        return newest if newest < cutoff else None
    waited = max(queue_oldest_due_age_seconds().values(), default=0.0)
    waiting_since = now - timedelta(seconds=waited)
    return waiting_since if waited and waiting_since < cutoff else None


def worker_silence_alert_check() -> CheckResult:
    """Readiness check: red while no worker has run for the set time, and the alert mail sent (once
    per repeat period) the first time it is noticed."""
    now = clock.now()
    silent_since = worker_silent_since(now=now)
    if silent_since is None:
        return CheckResult(name="worker_silence", ok=True, detail="workers ran recently")
    minutes = (now - silent_since).total_seconds() / 60
    admin_alert_send(
        condition=AlertCondition.WORKER_SILENT,
        send_now=True,
        detail=f"{timezone.localtime(silent_since):%Y-%m-%d %H:%M} から {int(minutes)} 分間、バックグラウンド処理が動いていません。",
    )
    return CheckResult(
        name="worker_silence", ok=False, detail=f"silent for {int(minutes)} min", value=minutes
    )
