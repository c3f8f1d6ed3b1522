"""The worker's side of a large payment import: run it in batches, and pick up one whose worker died.

``payments_import_zengin``/``payments_import_csv`` (calsreg/billing/services/payments/) validate the whole file
and record the import ``queued`` with its evidence file; a file of more than
``settings.PAYMENT_IMPORT_INLINE_ROWS`` transfers is then carried on here by ``payment_import_task``:
the file is read back from its evidence and ``payment_import_rows`` inserts and matches it in
committed batches, renewing the import's heartbeat with each. A runner that disappears (killed, the
database restarted) leaves the import ``running`` with an old heartbeat; ``payment_imports_recover``
(worker maintenance) queues it again and the next runner continues after the last committed batch.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django_tasks_db import DatabaseBackend

from calsreg.billing.models import PaymentImport, PaymentImportStatus
from calsreg.billing.services.payments import payment_import_finish, payment_import_rows, payments_file_parse
from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.records.selectors import evidence_read
from calsreg.records.services import Actor

logger = logging.getLogger(__name__)

# Errors that say "the database went away or is busy", not "this file cannot be imported": the
# import stays running and is resumed once its lease expires.
TRANSIENT = (OperationalError, InterfaceError)


def payment_import_enqueue(*, payment_import: PaymentImport) -> None:
    """Queue ``payment_import_task`` for the import, with the caller's transaction."""
    from calsreg.billing.tasks import payment_import_task  # the task module imports this one

    if isinstance(payment_import_task.get_backend(), DatabaseBackend):
        # The task row is an INSERT in this transaction: a rolled-back import queues nothing.
        payment_import_task.enqueue(payment_import.pk)
    else:
        import_id = payment_import.pk
        transaction.on_commit(lambda: payment_import_task.enqueue(import_id))


def payment_import_queued_execute(*, import_id: int) -> PaymentImport:
    """Take the queued (or abandoned) import and carry it to the end; returns it as it ended.

    An import another runner is carrying on (fresh heartbeat), or already finished or failed (a task
    delivered twice), is returned unchanged. One that cannot be completed (its evidence file is gone
    or altered, an unexpected error) ends ``failed`` with the reason in ``error``; a lost database
    connection leaves it running, to be resumed after the lease.
    """
    payment_import = _claim(import_id)
    if payment_import is None:
        return PaymentImport.objects.get(pk=import_id)
    actor = (
        Actor.staff(payment_import.imported_by)
        if payment_import.imported_by
        else Actor.system(payment_import.imported_by_label)
    )
    try:
        parsed = payments_file_parse(kind=payment_import.kind, content=_file_of(payment_import))
        payment_import_rows(payment_import_id=payment_import.pk, payments=parsed.payments, actor=actor)
        payment_import_finish(payment_import_id=payment_import.pk, actor=actor)
    except TRANSIENT:
        logger.exception("payment import %s interrupted; resumed after its lease", payment_import.pk)
        raise
    except Exception as exc:
        logger.exception("payment import %s failed", payment_import.pk)
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        PaymentImport.objects.filter(pk=payment_import.pk, status=PaymentImportStatus.RUNNING).update(
            status=PaymentImportStatus.FAILED, error=str(message)[:2000], finished_at=clock.now()
        )
    return PaymentImport.objects.get(pk=payment_import.pk)


@transaction.atomic
def _claim(import_id: int) -> PaymentImport | None:
    payment_import = PaymentImport.objects.select_for_update().get(pk=import_id)
    now = clock.now()
    abandoned = payment_import.status == PaymentImportStatus.RUNNING and _stale(payment_import)
    if payment_import.status != PaymentImportStatus.QUEUED and not abandoned:
        logger.warning("payment import %s is %s: left alone", payment_import.pk, payment_import.status)
        return None
    payment_import.status = PaymentImportStatus.RUNNING
    payment_import.heartbeat_at = now
    payment_import.save(update_fields=["status", "heartbeat_at"])
    return payment_import


def _stale(payment_import: PaymentImport) -> bool:
    lease = timedelta(seconds=settings.PAYMENT_IMPORT_LEASE_SECONDS)
    return payment_import.heartbeat_at is None or payment_import.heartbeat_at < clock.now() - lease


def _file_of(payment_import: PaymentImport) -> bytes:
    copy = evidence_read(evidence=payment_import.evidence) if payment_import.evidence else None
    if copy is None or copy.content is None or not copy.intact:
        raise DomainError("入金ファイルの証跡が見つからないか、取込時から変わっています。取り込めません。")
    return copy.content


def payment_imports_recover() -> int:
    """Worker maintenance: queue again every import queued or running whose heartbeat is older than
    ``settings.PAYMENT_IMPORT_LEASE_SECONDS`` (its worker was killed, or its task lost); returns how
    many. Safe when several workers run it at once: each import is taken by one conditional UPDATE."""
    now = clock.now()
    stale = now - timedelta(seconds=settings.PAYMENT_IMPORT_LEASE_SECONDS)
    candidates = PaymentImport.objects.filter(
        status__in=[PaymentImportStatus.QUEUED, PaymentImportStatus.RUNNING], heartbeat_at__lt=stale
    ).values_list("pk", flat=True)
    recovered = 0
    for import_id in list(candidates):
        try:
            with transaction.atomic():
                taken = PaymentImport.objects.filter(
                    pk=import_id,
                    status__in=[PaymentImportStatus.QUEUED, PaymentImportStatus.RUNNING],
                    heartbeat_at__lt=stale,
                ).update(status=PaymentImportStatus.QUEUED, heartbeat_at=now)
                if taken:
                    payment_import_enqueue(payment_import=PaymentImport(pk=import_id))
                    recovered += taken
        except DatabaseError:
            logger.exception("payment import %s could not be queued again", import_id)
    return recovered
