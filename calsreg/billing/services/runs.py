"""The billing run (請求処理): issue every due draft, then the print bundle and the mailing list.

Each invoice is issued in a transaction of its own that locks the invoice row, takes the next
number from the counter (row-locked until commit, numbering.py), records the issue, renders and
keeps the PDF and writes the audit event. So:

* numbers are gap-free: a failure rolls the number back with everything else;
* overlapping runs (a double click, the command and the desk button) never issue one draft twice:
  the second finds it locked or no longer a draft and counts it as skipped;
* the desk's progress bar reads ``BillingRun.done`` / ``total``, committed after every invoice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_noop
from django_tasks_db import DatabaseBackend

from calsreg.billing.due_dates import arrival_for_posting, due_date_for_arrival
from calsreg.billing.mailing import mailing_csv_bytes
from calsreg.billing.models import (
    BillingRun,
    BillingRunStatus,
    DocumentKind,
    Invoice,
    InvoiceStatus,
    Issuer,
)
from calsreg.billing.models.invoices import PAYABLE_KINDS
from calsreg.billing.numbering import invoice_number_next
from calsreg.billing.pdf.document import invoice_print_from
from calsreg.billing.pdf.render import bundle_pdf_bytes
from calsreg.billing.run_months import run_month_check
from calsreg.billing.selectors import invoice_for_print, invoices_due_for_run, issuer_active
from calsreg.billing.services.documents import invoice_document_store, sha256_hex
from calsreg.billing.services.drafts import invoice_drafts_create_missing
from calsreg.billing.services.run_preview import billing_run_plan, run_busy_check
from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.core.files import file_keep
from calsreg.core.previews import fingerprint_check
from calsreg.records.models import ActorType
from calsreg.records.services import Actor, audit_record

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def invoice_issue_prepared(
    *, invoice: Invoice, issuer: Issuer, issue_date: date, actor: Actor, now: datetime
) -> None:
    """Give a locked draft its number, issuer snapshot and printed due date; keep its PDF; audit.

    The caller holds the invoice's row lock inside the transaction (credit notes use it too).
    The printed due date assumes posting on the issue date; posting later can only move the real
    due date later (posting.py), never before what the contractor reads on the invoice.
    """
    invoice.transition_to(InvoiceStatus.ISSUED)
    invoice.number = invoice_number_next(kind=invoice.kind, year=issue_date.year)
    invoice.issue_date = issue_date
    invoice.issued_at = now
    invoice.issuer = issuer
    invoice.issuer_snapshot = issuer.snapshot()
    if invoice.kind in PAYABLE_KINDS:
        invoice.printed_due_on = due_date_for_arrival(arrival_on=arrival_for_posting(posted_on=issue_date))
    invoice.save()
    invoice_document_store(invoice=invoice, kind=DocumentKind.ORIGINAL, actor=actor, now=now)
    audit_record(
        actor=actor,
        action="invoice.issued",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s を発行しました（合計 %(total)s円）"),
        summary_params={"number": invoice.number, "total": f"{invoice.total:,}"},
        data={"number": invoice.number, "total": invoice.total, "billing_run_id": invoice.billing_run_id},
        at=now,
    )


def _issue_one(*, invoice_id: int, run: BillingRun, issuer: Issuer, issue_date: date, actor: Actor) -> bool:
    """Issue one draft in its own transaction; False when another run has it or already issued it."""
    with transaction.atomic():
        # skip_locked: a draft another run is issuing right now is left to it (PostgreSQL; SQLite
        # serialises write transactions anyway).
        locked = (
            Invoice.objects.select_for_update(skip_locked=True)
            .filter(pk=invoice_id, status=InvoiceStatus.DRAFT)
            .values_list("pk", flat=True)
        )
        if not list(locked):
            return False
        invoice = invoice_for_print(invoice_id=invoice_id)
        invoice.billing_run = run
        invoice_issue_prepared(
            invoice=invoice, issuer=issuer, issue_date=issue_date, actor=actor, now=clock.now()
        )
    return True


def billing_run(*, run_month: date, actor: Actor, progress: Progress | None = None) -> BillingRun:
    """Issue every draft due by ``run_month`` (any day of the month), then make the run's files.

    Runs in the caller's process (the ``billing_run`` command); the desk queues the same work with
    ``billing_run_enqueue``. Returns the finished ``BillingRun`` (status ``failed`` if some invoice
    could not be issued: the others are issued, the failed ones stay drafts for the next run,
    ``error`` says which). Raises ``ValidationFailed`` for a month outside ``run_month_check``'s bounds
    and BillingNotConfigured when no issuer is active, both before doing anything.
    """
    run_month = run_month_check(run_month=run_month, today=clock.today())
    issuer = issuer_active()
    # A project started without a draft (accounts cannot call billing) is drafted now, so the run
    # never misses one that is due.
    invoice_drafts_create_missing(actor=actor)
    with transaction.atomic():
        run = _run_create(run_month=run_month, actor=actor, status=BillingRunStatus.RUNNING)
    return _run_issue(run=run, issuer=issuer, actor=actor, progress=progress)


def billing_run_enqueue(*, run_month: date, actor: Actor, preview: str | None = None) -> BillingRun:
    """Record a queued run of ``run_month`` and queue ``billing_run_task`` for it, in one transaction.

    ``total`` is the number of drafts due now (the worker recounts when it starts). Raises
    ``ValidationFailed`` for a month outside ``run_month_check``'s bounds, BillingNotConfigured when
    no issuer is active, ``Conflict`` while a run of the same month is queued or running. With
    ``preview`` (the fingerprint of the ``billing_run_preview`` the agent confirmed), raises
    ``PreviewStale`` and starts nothing when the drafts or the next number changed meanwhile
    (drafts the sweep just made for started projects count as a change).
    """
    run_month = run_month_check(run_month=run_month, today=clock.today())
    issuer_active()
    invoice_drafts_create_missing(actor=actor)
    with transaction.atomic():
        run_busy_check(run_month=run_month, lock=True)
        plan = billing_run_plan(run_month=run_month)
        fingerprint_check(expected=preview, payload=plan.payload())
        run = _run_create(
            run_month=run_month,
            actor=actor,
            status=BillingRunStatus.QUEUED,
            total=plan.count,
        )
        _task_enqueue(run_id=run.pk)
    return run


def _task_enqueue(*, run_id: int) -> None:
    from calsreg.billing.tasks import billing_run_task  # the task module imports this one

    if isinstance(billing_run_task.get_backend(), DatabaseBackend):
        # The task row is an INSERT in this transaction: a rolled-back run queues nothing.
        billing_run_task.enqueue(run_id)
    else:
        # A backend outside the database (immediate, dummy) must not see the run before it commits.
        transaction.on_commit(lambda: billing_run_task.enqueue(run_id))


def billing_run_queued_execute(*, run_id: int) -> BillingRun:
    """The worker's side of ``billing_run_enqueue``: take the queued run and fill it in.

    A run that is no longer queued (a task delivered twice) is returned unchanged. A run that cannot
    start (no issuer any more, an unexpected error) ends ``failed`` with the reason in ``error``.
    """
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run_id)
        if run.status != BillingRunStatus.QUEUED:
            logger.warning("billing run %s is %s, not queued: left alone", run.pk, run.status)
            return run
        run.status = BillingRunStatus.RUNNING
        run.save(update_fields=["status", "updated_at"])
    actor = Actor.staff(run.started_by) if run.started_by else Actor.system(run.started_by_label)
    try:
        issuer = issuer_active()
        invoice_drafts_create_missing(actor=actor)
        return _run_issue(run=run, issuer=issuer, actor=actor, progress=None)
    except Exception as exc:
        logger.exception("billing run %s failed", run.pk)
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        BillingRun.objects.filter(pk=run.pk, status=BillingRunStatus.RUNNING).update(
            status=BillingRunStatus.FAILED, error=str(message), finished_at=clock.now()
        )
        run.refresh_from_db()
        return run


def _run_create(*, run_month: date, actor: Actor, status: str, total: int = 0) -> BillingRun:
    now = clock.now()
    run = BillingRun.objects.create(
        run_month=run_month,
        status=status,
        total=total,
        started_by_label=actor.label[:200],
        started_by=actor.user if actor.type == ActorType.STAFF else None,
        started_at=now,
    )
    audit_record(
        actor=actor,
        action="billing_run.started",
        subject=run,
        summary=gettext_noop("%(month)s分の請求処理を開始しました"),
        summary_params={"month": f"{run_month:%Y-%m}"},
        at=now,
    )
    return run


def _run_issue(*, run: BillingRun, issuer: Issuer, actor: Actor, progress: Progress | None) -> BillingRun:
    """Issue the drafts due for ``run`` (a committed, running row), one transaction each, then finish."""
    issue_date = clock.today()
    due_ids = list(invoices_due_for_run(run_month=run.run_month).values_list("pk", flat=True))
    BillingRun.objects.filter(pk=run.pk).update(total=len(due_ids))
    errors: list[str] = []
    for done, invoice_id in enumerate(due_ids, start=1):
        issued = failed = False
        try:
            issued = _issue_one(
                invoice_id=invoice_id, run=run, issuer=issuer, issue_date=issue_date, actor=actor
            )
        except Exception as exc:  # one bad invoice must not stop the batch; it stays a draft
            logger.exception("billing run %s: invoice %s failed", run.pk, invoice_id)
            errors.append(f"invoice {invoice_id}: {type(exc).__name__}: {exc}")
            failed = True
        BillingRun.objects.filter(pk=run.pk).update(
            done=F("done") + 1,
            issued_count=F("issued_count") + int(issued),
            skipped_count=F("skipped_count") + int(not issued and not failed),
        )
        if progress is not None:
            progress(done, len(due_ids))
    return _run_finish(run_id=run.pk, actor=actor, errors=errors)


@transaction.atomic
def _run_finish(*, run_id: int, actor: Actor, errors: list[str]) -> BillingRun:
    run = BillingRun.objects.select_for_update().get(pk=run_id)
    issued = list(
        Invoice.objects.filter(billing_run=run)
        .select_related("project__office", "credited_invoice", "adjusted_invoice")
        .prefetch_related("lines")
        .order_by("number")
    )
    stamp = f"{run.run_month:%Y-%m}-run{run.pk}"
    if issued:
        bundle = bundle_pdf_bytes(
            (invoice_print_from(invoice) for invoice in issued),
            title=f"請求書 {run.run_month:%Y年%m月}分 一括印刷",
        )
        run.bundle_sha256 = sha256_hex(bundle)
        file_keep(run.bundle_pdf, f"invoices-{stamp}.pdf", bundle)
        mailing = mailing_csv_bytes(issued)
        run.mailing_sha256 = sha256_hex(mailing)
        file_keep(run.mailing_csv, f"mailing-{stamp}.csv", mailing)
    run.status = BillingRunStatus.FAILED if errors else BillingRunStatus.FINISHED
    run.error = "\n".join(errors)
    run.finished_at = clock.now()
    run.save()
    audit_record(
        actor=actor,
        action="billing_run.finished",
        subject=run,
        summary=gettext_noop("%(month)s分の請求処理が終わりました（発行 %(issued)s件、失敗 %(failed)s件）"),
        summary_params={"month": f"{run.run_month:%Y-%m}", "issued": run.issued_count, "failed": len(errors)},
        data={
            "issued": run.issued_count,
            "skipped": run.skipped_count,
            "failed": len(errors),
            "total": run.total,
        },
    )
    return run
