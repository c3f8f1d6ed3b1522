"""What the worker's maintenance does for mail, so that a notice is sent however its worker died.

``deliveries_recover`` (listed in ``calsreg.jobs.registry.WORKER_MAINTENANCE``) runs, in order:

1. a delivery left ``sending`` past its lease (its worker died mid-send) goes back to pending, due
   now, keeping its Message-ID: if the server had taken the mail, the resend is the same message;
2. a pending delivery overdue by more than a minute with no live sending task (its worker died
   between taking the task and claiming the row) gets a task;
3. deliveries failed for a transient reason in the last ``MAIL_RECOVER_DAYS`` go back to pending
   with a fresh retry budget — only once a probe shows the mail server answers again.

A kind's re-send check (``rendering.register_requeue_check``) applies as at the desk: a refused row
is left failed with the refusal as its error. Each part is idempotent and safe beside another worker doing the same (rows are locked with
``skip_locked``, so two workers never take the same row), and each change is audited.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.notifications.models import Delivery, DeliveryStatus, send_lease
from calsreg.notifications.rendering import requeue_check
from calsreg.notifications.services import enqueue_send
from calsreg.notifications.tasks import send_delivery
from calsreg.records.services import Actor, audit_record

logger = logging.getLogger(__name__)

BATCH = 500
# A pending row this overdue with no task waiting was orphaned: a live queue reaches a due row
# well within it, and a busy one still has its task READY.
ORPHAN_GRACE = timedelta(minutes=1)
ACTOR = Actor.system("mail-recovery")
LEASE_EXPIRED_ERROR = "lease expired: the worker never reported the outcome of this attempt"


def deliveries_recover() -> int:
    """The maintenance entry: every part below at ``clock.now()``; how many rows were taken up."""
    now = clock.now()
    return (
        deliveries_lease_expired_requeue(now=now)
        + deliveries_orphaned_enqueue(now=now)
        + deliveries_transient_failures_requeue(now=now)
    )


def deliveries_lease_expired_requeue(*, now: datetime) -> int:
    """Put back to pending, due now, every delivery whose ``sending`` claim is older than the lease.

    The claim token stays: should the dead attempt's 250 still be recorded before the row is
    claimed again, it counts (``tasks._record_sent``) and nothing is sent twice.
    """
    done = 0
    while True:
        with transaction.atomic():
            rows = _locked(
                Delivery.objects.filter(status=DeliveryStatus.SENDING).filter(
                    Q(last_attempt_at__lte=now - send_lease()) | Q(last_attempt_at__isnull=True)
                )
            )
            for row in rows:
                _lease_expired_requeue(delivery=row, now=now)
        done += len(rows)
        if len(rows) < BATCH:
            return done


def _lease_expired_requeue(*, delivery: Delivery, now: datetime) -> None:
    claimed_at = delivery.last_attempt_at
    if _refused(delivery=delivery):
        delivery.transition_to(DeliveryStatus.FAILED)
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
        return
    delivery.transition_to(DeliveryStatus.PENDING)
    delivery.next_attempt_at = now
    delivery.last_error = LEASE_EXPIRED_ERROR
    delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
    enqueue_send(delivery=delivery)
    audit_record(
        actor=ACTOR,
        action="notification.lease_expired",
        subject=delivery,
        at=now,
        summary=gettext_noop(
            "送信中のまま止まったメール（送信番号 %(number)s）を同じMessage-IDで再送します。"
        ),
        summary_params={"number": delivery.pk},
        data={
            "attempts": delivery.attempts,
            "claimed_at": claimed_at.isoformat() if claimed_at else None,
            "message_id": delivery.message_id,
        },
    )
    logger.warning(
        "delivery %s was left sending since %s; sent again with Message-ID %s",
        delivery.pk,
        claimed_at,
        delivery.message_id,
    )


def deliveries_orphaned_enqueue(*, now: datetime) -> int:
    """Enqueue a sending task for each pending delivery overdue by more than ``ORPHAN_GRACE`` that
    has none READY (or RUNNING within the lease: a task running longer belongs to a dead worker)."""
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            # Locked before the tasks are read: a second worker skips these rows, or reads the
            # tasks enqueued here once this transaction has committed.
            rows = _locked(
                Delivery.objects.filter(
                    status=DeliveryStatus.PENDING, next_attempt_at__lte=now - ORPHAN_GRACE, pk__gt=last_pk
                )
            )
            waiting = _with_live_task(ids=[row.pk for row in rows], now=now)
            orphans = [row for row in rows if row.pk not in waiting]
            for row in orphans:
                enqueue_send(delivery=row)
        for row in orphans:
            logger.warning("delivery %s was pending with no task; one is enqueued", row.pk)
        done += len(orphans)
        if len(rows) < BATCH:
            return done
        last_pk = rows[-1].pk


def _with_live_task(*, ids: list[int], now: datetime) -> set[int]:
    """Which of ``ids`` have a sending task waiting or running within the lease (one query)."""
    if not ids:
        return set()
    live = Q(status=TaskResultStatus.READY) | Q(
        status=TaskResultStatus.RUNNING, started_at__gte=now - send_lease()
    )
    found = (
        DBTaskResult.objects.filter(live, task_path=send_delivery.module_path, args_kwargs__args__0__in=ids)
        .values_list("args_kwargs__args__0", flat=True)
        .distinct()
    )
    return {int(pk) for pk in found}


def deliveries_transient_failures_requeue(*, now: datetime, probe: Callable[[], bool] | None = None) -> int:
    """Once the mail server answers, put back to pending — a fresh retry budget, due now — every
    delivery failed for a transient reason within ``MAIL_RECOVER_DAYS`` of its creation.

    The server is probed at most once per call, and only when there is something to send again. A
    notice older than the window is left to the desk: nothing is retried automatically for ever.
    """
    candidates = Delivery.objects.filter(
        status=DeliveryStatus.FAILED,
        failure_transient=True,
        created_at__gte=now - timedelta(days=settings.MAIL_RECOVER_DAYS),
    )
    if not candidates.exists():
        return 0
    if not (probe or mail_server_answers)():
        logger.info("mail server still not answering; failed mails wait")
        return 0
    done = 0
    while True:
        with transaction.atomic():
            rows = _locked(candidates)
            done += _transient_failures_requeue(rows=rows, now=now)
        if len(rows) < BATCH:
            return done


def _transient_failures_requeue(*, rows: list[Delivery], now: datetime) -> int:
    refused = [row for row in rows if _refused(delivery=row)]
    for row in refused:
        row.failure_transient = False  # left to the desk, which sees the same refusal
        row.save(update_fields=["failure_transient", "last_error", "updated_at"])
    rows = [row for row in rows if row not in refused]
    if not rows:
        return 0
    for row in rows:
        row.transition_to(DeliveryStatus.PENDING)
        row.attempts = 0
        row.first_attempt_at = None
        row.next_attempt_at = now
        row.failure_transient = False
        row.updated_at = now
    Delivery.objects.bulk_update(
        rows,
        ["status", "attempts", "first_attempt_at", "next_attempt_at", "failure_transient", "updated_at"],
    )
    for row in rows:
        enqueue_send(delivery=row)
    audit_record(
        actor=ACTOR,
        action="notification.recovered",
        subject=rows[0],
        at=now,
        summary=gettext_noop(
            "メールサーバーの復旧を確認し、送信に失敗していたメール %(count)s 件を再送します。"
        ),
        summary_params={"count": len(rows)},
        data={"deliveries": [row.pk for row in rows]},
    )
    logger.warning("mail server answers again: %s failed mail(s) sent again", len(rows))
    return len(rows)


def _refused(*, delivery: Delivery) -> bool:
    """Whether the kind's owner refuses to send ``delivery`` again (an initial password whose holder
    has chosen one since): the same check as the desk's re-send, so no path sends what it refuses.
    The refusal becomes the row's last error."""
    try:
        requeue_check(delivery=delivery)
    except DomainError as refusal:
        delivery.last_error = str(refusal.message)
        logger.warning("delivery %s is not sent again: %s", delivery.pk, refusal.message)
        return True
    return False


def mail_server_answers() -> bool:
    """Connect (and log in, when configured) to the mail server, NOOP and QUIT, within the SMTP
    timeout. True when it answered; the outbox and test backends always do."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
        smtp = getattr(connection, "connection", None)
        return smtp is None or smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException) as error:
        logger.info("mail server probe failed: %s: %s", type(error).__name__, error)
        return False
    finally:
        # The probe's answer is known; a failed QUIT changes nothing.
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.close()


def _locked(rows: QuerySet[Delivery]) -> list[Delivery]:
    """The next batch of ``rows`` in id order, locked; rows another worker holds are skipped."""
    return list(rows.select_for_update(skip_locked=True).order_by("pk")[:BATCH])
