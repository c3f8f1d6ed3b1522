"""The billing run (請求処理): issue every due draft, then the print bundle and the mailing list.

The drafts are issued in batches (1, 2, 4 … then 50 a batch), each in a transaction that locks
and loads its invoice rows in one statement, takes a block of numbers from the counter (row-locked
until commit, numbering.py), renders and keeps each PDF, and writes the issues, the PDFs' rows and
the audit events in one statement each. A batch that fails is issued again one invoice at a time, so
a bad invoice fails alone. The print bundle is made at the end from those kept PDFs, each page
copied, not drawn again. So:

* numbers are gap-free: a failure rolls the numbers back with everything else (and the files);
* one run per month at a time, enforced by the database; and even a process that lost its lease
  never issues a draft twice: it finds it locked or no longer a draft and counts it as skipped;
* the desk's progress bar reads ``BillingRun.done`` / ``total``, committed after every batch with
  the run's heartbeat (its lease): a run whose process died is resumed by ``billing_runs_recover``.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, JSONField, PositiveIntegerField, Q, Value, When
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks_db import DatabaseBackend

from calsreg.billing.due_dates import arrival_for_posting, due_date_for_arrival
from calsreg.billing.mailing import mailing_csv_bytes
from calsreg.billing.models import (
    BillingRun,
    BillingRunStatus,
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceStatus,
)
from calsreg.billing.models.invoices import IN_PROGRESS_RUN_STATUSES, PAYABLE_KINDS
from calsreg.billing.numbering import invoice_numbers_next
from calsreg.billing.pdf.bundle import pdf_bundle
from calsreg.billing.pdf.document import invoice_print_at_issue, print_snapshot
from calsreg.billing.run_months import run_month_check
from calsreg.billing.selectors import (
    IssuingSetup,
    invoice_for_print_queryset,
    invoice_originals_of_run,
    invoices_due_for_run,
    issuer_active,
    runs_silent_since,
)
from calsreg.billing.services.documents import invoice_document_store, sha256_hex
from calsreg.billing.services.drafts import invoice_drafts_create_missing
from calsreg.billing.services.run_preview import billing_run_plan, run_busy_check
from calsreg.core import clock
from calsreg.core.errors import Conflict, DomainError
from calsreg.core.files import StorageFull, file_keep, files_discarded_on_failure
from calsreg.core.previews import fingerprint_check
from calsreg.records.models import ActorType
from calsreg.records.services import Actor, AuditEntry, audit_record, audit_record_many

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


# Drafts issued per transaction: the first batches are small, so the first invoices (and a fault)
# show at once on the desk's progress bar; then a batch's fixed statements are shared by 50 invoices.
ISSUE_BATCH_SIZES = (1, 2, 4, 8, 16, 32)
ISSUE_BATCH_SIZE = 50


def invoice_issue_prepared(
    *, invoice: Invoice, issuer: IssuingSetup, issue_date: date, actor: Actor, now: datetime
) -> None:
    """``invoices_issue_prepared`` for one invoice (credit notes, fee credits)."""
    invoices_issue_prepared(
        invoices=[invoice], issuer=issuer, issue_date=issue_date, actor=actor, now=now, billing_run=None
    )


def invoices_issue_prepared(
    *,
    invoices: Sequence[Invoice],
    issuer: IssuingSetup,
    issue_date: date,
    actor: Actor,
    now: datetime,
    billing_run: BillingRun | None,
) -> None:
    """Give locked drafts, in order, their numbers, issuer and document snapshots (``issuer``: the
    seller, agent and regime in force on ``issue_date``) and printed due date (and
    ``billing_run``, when one issues them); keep their PDFs; audit. A fixed number of statements
    however many invoices: what differs between them (the number) is one ``CASE`` in one UPDATE.

    The caller holds the invoices' row locks inside the transaction (credit notes use it too).
    The printed due date assumes posting on the issue date; posting later can only move the real
    due date later (posting.py), never before what the contractor reads on the invoice.
    """
    numbers = invoice_numbers_next(kinds=[invoice.kind for invoice in invoices], year=issue_date.year)
    snapshot = issuer.agent.snapshot()
    printed_due_on = due_date_for_arrival(arrival_on=arrival_for_posting(posted_on=issue_date))
    same: dict[str, Any] = {
        "status": InvoiceStatus.ISSUED,
        "issue_date": issue_date,
        "issued_at": now,
        "issuer": issuer.agent,
        "issuer_snapshot": snapshot,
        "updated_at": timezone.now(),  # what ``auto_now`` writes on save()
    }
    if billing_run is not None:
        same["billing_run"] = billing_run
    documents = []
    for invoice, number in zip(invoices, numbers, strict=True):
        invoice.transition_to(InvoiceStatus.ISSUED)
        for name, value in same.items():
            setattr(invoice, name, dict(value) if name == "issuer_snapshot" else value)
        invoice.number = number
        if invoice.kind in PAYABLE_KINDS:
            invoice.printed_due_on = printed_due_on
        # Everything printed, frozen now: reissues and the bundle never read the live project.
        invoice.document_snapshot = print_snapshot(
            invoice_print_at_issue(
                invoice, agent=issuer.agent, seller=issuer.seller, arrangement=issuer.arrangement
            )
        )
        documents.append(
            invoice_document_store(
                invoice=invoice, kind=DocumentKind.ORIGINAL, actor=actor, now=now, save=False
            )
        )
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(
        **same,
        number=Case(*(When(pk=invoice.pk, then=Value(invoice.number)) for invoice in invoices)),
        printed_due_on=Case(
            When(kind__in=PAYABLE_KINDS, then=Value(printed_due_on)), default=F("printed_due_on")
        ),
        document_snapshot=Case(
            *(
                When(pk=invoice.pk, then=Value(invoice.document_snapshot, output_field=JSONField()))
                for invoice in invoices
            ),
            output_field=JSONField(),
        ),
    )
    InvoiceDocument.objects.bulk_create(documents)
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action="invoice.issued",
                subject=invoice,
                summary=gettext_noop("請求書 %(number)s を発行しました（合計 %(total)s円）"),
                summary_params={"number": invoice.number, "total": f"{invoice.total:,}"},
                data={
                    "number": invoice.number,
                    "total": invoice.total,
                    "billing_run_id": invoice.billing_run_id,
                },
            )
            for invoice in invoices
        ],
        at=now,
    )


def _issue_batch(
    *, invoice_ids: Sequence[int], run: BillingRun, issuer: IssuingSetup, issue_date: date, actor: Actor
) -> int:
    """Issue the drafts ``invoice_ids``, in that order, in one transaction; how many it issued (a
    draft another run has or already issued is left out). Files written for a batch that fails are
    removed with it (``files_discarded_on_failure``)."""
    with files_discarded_on_failure(), transaction.atomic():
        # skip_locked: a draft another run is issuing right now is left to it (PostgreSQL; SQLite
        # serialises write transactions anyway).
        # The lock and the load in one statement: "of self" locks the invoice rows only (the joined
        # credited / adjusted invoices may be absent, which PostgreSQL cannot lock).
        locked = {
            invoice.pk: invoice
            for invoice in invoice_for_print_queryset()
            .select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(invoice_ids), status=InvoiceStatus.DRAFT)
        }
        invoices = [locked[pk] for pk in invoice_ids if pk in locked]
        if invoices:
            invoices_issue_prepared(
                invoices=invoices,
                issuer=issuer,
                issue_date=issue_date,
                actor=actor,
                now=clock.now(),
                billing_run=run,
            )
    return len(invoices)


def _batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """``ids`` in batches of ``ISSUE_BATCH_SIZES``, then of ``ISSUE_BATCH_SIZE``."""
    start = 0
    sizes = iter(ISSUE_BATCH_SIZES)
    while start < len(ids):
        size = next(sizes, ISSUE_BATCH_SIZE)
        yield ids[start : start + size]
        start += size


def billing_run(*, run_month: date, actor: Actor, progress: Progress | None = None) -> BillingRun:
    """Issue every draft due by ``run_month`` (any day of the month), then make the run's files.

    Runs in the caller's process (the ``billing_run`` command); the desk queues the same work with
    ``billing_run_enqueue``. Returns the finished ``BillingRun`` (status ``failed`` if some invoice
    could not be issued: the others are issued, the failed ones stay drafts for the next run,
    ``error`` says which). Raises ``ValidationFailed`` for a month outside ``run_month_check``'s bounds,
    BillingNotConfigured when no issuer is active and ``Conflict`` while a run of the month is
    going, all before doing anything. An unexpected error or Ctrl-C ends the run ``failed`` (its
    month free again) and is raised again; a killed process leaves it to the workers' lease recovery.
    """
    run_month = run_month_check(run_month=run_month, today=clock.today())
    issuer = issuer_active()
    # A project started without a draft (accounts cannot call billing) is drafted now, so the run
    # never misses one that is due.
    invoice_drafts_create_missing(actor=actor)
    with transaction.atomic():
        run_busy_check(run_month=run_month, lock=True)
        run = _run_create(run_month=run_month, actor=actor, status=BillingRunStatus.RUNNING)
    try:
        return _run_issue(run=run, issuer=issuer, actor=actor, progress=progress)
    except KeyboardInterrupt:
        _run_fail_quietly(run_id=run.pk, actor=actor, message=_("中断されました（Ctrl-C）。"))
        raise
    except Exception as exc:
        logger.exception("billing run %s failed", run.pk)
        _run_fail_quietly(run_id=run.pk, actor=actor, message=failure_text(exc))
        raise


def billing_run_enqueue(*, run_month: date, actor: Actor, preview: str | None = None) -> BillingRun:
    """Record a queued run of ``run_month`` and queue ``billing_run_task`` for it, in one transaction.

    ``total`` is the number of drafts due now (the worker recounts when it starts). Raises
    ``ValidationFailed`` for a month outside ``run_month_check``'s bounds, BillingNotConfigured when
    no issuer is active, ``Conflict`` while a run of the same month is queued or running (also when
    another one is inserted at the same instant: the database's constraint refuses the second). With
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
    """The worker's side of ``billing_run_enqueue`` and of the lease recovery: take the run and fill it in.

    Takes a queued run, or a running one whose lease expired (its process died), with a conditional
    UPDATE, so two workers never both run it; any other run (a task delivered twice, a run another
    process is still heartbeating) is returned unchanged. A resumed run issues the drafts still due
    (those issued before are no longer drafts). A run that cannot go on (no issuer any more, an
    unexpected error, resumed too often) ends ``failed`` with the reason in ``error``.
    """
    worker = worker_name()
    now = clock.now()
    taken = (
        BillingRun.objects.filter(pk=run_id)
        .filter(Q(status=BillingRunStatus.QUEUED) | (Q(status=BillingRunStatus.RUNNING) & _silent(now)))
        .update(
            status=BillingRunStatus.RUNNING,
            worker=worker,
            heartbeat_at=now,
            resumes=Case(
                When(status=BillingRunStatus.RUNNING, then=F("resumes") + 1),
                default=F("resumes"),
                output_field=PositiveIntegerField(),
            ),
        )
    )
    run = BillingRun.objects.get(pk=run_id)
    if not taken:
        logger.warning("billing run %s is %s and not abandoned: left alone", run.pk, run.status)
        return run
    actor = _run_actor(run)
    if run.resumes > settings.BILLING_RUN_MAX_RESUMES:
        _run_fail(run_id=run.pk, actor=actor, message=_too_many_resumes(run))
        run.refresh_from_db()
        return run
    try:
        issuer = issuer_active()
        invoice_drafts_create_missing(actor=actor)
        return _run_issue(run=run, issuer=issuer, actor=actor, progress=None)
    except Exception as exc:
        logger.exception("billing run %s failed", run.pk)
        _run_fail_quietly(run_id=run.pk, actor=actor, message=failure_text(exc))
        run.refresh_from_db()
        return run


def billing_runs_recover() -> int:
    """Worker maintenance: resume every run whose process stopped heartbeating (lease expired).

    A running run goes back to the queue (再開待ち) and its task is queued again; a queued run whose
    task was lost is queued again; a run already resumed ``BILLING_RUN_MAX_RESUMES`` times ends
    ``failed`` (its month free again). Each takes its run with a conditional UPDATE, so several
    workers running this at once act once. Returns how many runs it resumed or failed.
    """
    now = clock.now()
    handled = 0
    for run in BillingRun.objects.filter(status__in=IN_PROGRESS_RUN_STATUSES).filter(_silent(now)):
        actor = _run_actor(run)
        if run.resumes >= settings.BILLING_RUN_MAX_RESUMES:
            handled += _run_fail(run_id=run.pk, actor=actor, message=_too_many_resumes(run), only_silent=True)
            continue
        with transaction.atomic():
            requeued = (
                BillingRun.objects.filter(pk=run.pk, status=run.status)
                .filter(_silent(now))
                .update(
                    status=BillingRunStatus.QUEUED,
                    heartbeat_at=now,
                    resumes=F("resumes") + int(run.status == BillingRunStatus.RUNNING),
                )
            )
            if requeued:
                logger.warning(
                    "billing run %s (%s, worker %s) silent since %s: resumed",
                    run.pk,
                    run.status,
                    run.worker,
                    run.heartbeat_at,
                )
                _task_enqueue(run_id=run.pk)
        handled += requeued
    return handled


def worker_name() -> str:
    """This process, as the run's lease holder: host and process id."""
    return f"{socket.gethostname()}-{os.getpid()}"[:200]


def failure_text(exc: BaseException) -> str:
    """What the desk shows for a run stopped by ``exc``: domain messages as they are; a full disk in words."""
    # A kept file refused for lack of space (core.files) names the cause, not the applicant's wording.
    cause = exc.__cause__ if isinstance(exc, StorageFull) else exc
    if isinstance(cause, OSError) and cause.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("ディスクの空きがないため、ファイルを保存できませんでした（%(error)s）。") % {"error": cause}
    if isinstance(exc, DomainError):
        return str(exc.message)
    return f"{type(exc).__name__}: {exc}"


def _silent(now: datetime) -> Q:
    """Runs whose lease expired: no heartbeat since the lease (rows from before the lease: no update)."""
    return runs_silent_since(now - timedelta(seconds=settings.BILLING_RUN_LEASE_SECONDS))


def _too_many_resumes(run: BillingRun) -> str:
    return _(
        "処理が%(count)s回中断されたため、失敗として終了しました。発行済みの請求書はそのままです。"
        "原因を取り除いてから、この月の請求処理をもう一度実行してください。"
    ) % {"count": run.resumes}


def _run_actor(run: BillingRun) -> Actor:
    return Actor.staff(run.started_by) if run.started_by else Actor.system(run.started_by_label)


def _run_create(*, run_month: date, actor: Actor, status: str, total: int = 0) -> BillingRun:
    now = clock.now()
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives the refusal
            run = BillingRun.objects.create(
                run_month=run_month,
                status=status,
                total=total,
                started_by_label=actor.label[:200],
                started_by=actor.user if actor.type == ActorType.STAFF else None,
                started_at=now,
                heartbeat_at=now,
                worker=worker_name() if status == BillingRunStatus.RUNNING else "",
            )
    except IntegrityError as exc:
        # Another run of the month was inserted at the same instant (billing_run_one_in_progress_per_month).
        run_busy_check(run_month=run_month, lock=False)
        raise Conflict(
            _("%(month)s分の請求処理は別の操作で開始されたところです。この月の処理の画面を確認してください。")
            % {"month": f"{run_month:%Y-%m}"}
        ) from exc
    audit_record(
        actor=actor,
        action="billing_run.started",
        subject=run,
        summary=gettext_noop("%(month)s分の請求処理を開始しました"),
        summary_params={"month": f"{run_month:%Y-%m}"},
        at=now,
    )
    return run


def _run_issue(
    *, run: BillingRun, issuer: IssuingSetup, actor: Actor, progress: Progress | None
) -> BillingRun:
    """Issue the drafts due for ``run`` (a committed, running row), a transaction a batch, then finish.

    A resumed run counts on from where it stopped: ``total`` is what it issued or skipped plus what
    is still due.
    The heartbeat is written with the progress; if another process took the run over (this one was
    silent past its lease), this one stops without finishing it.
    """
    worker = worker_name()
    issue_date = clock.today()
    due_ids = list(invoices_due_for_run(run_month=run.run_month).values_list("pk", flat=True))
    mine = BillingRun.objects.filter(pk=run.pk, status=BillingRunStatus.RUNNING, worker=worker)
    # Counted from the rows, not carried over: a process killed between an invoice's commit and its
    # progress update left the counters one short; a killed attempt's failures are due again.
    issued_before = Invoice.objects.filter(billing_run=run).count()
    skipped_before = BillingRun.objects.values_list("skipped_count", flat=True).get(pk=run.pk)
    mine.update(
        done=issued_before + skipped_before,
        issued_count=issued_before,
        total=issued_before + skipped_before + len(due_ids),
        heartbeat_at=clock.now(),
    )
    errors: list[str] = []
    done = 0
    for batch in _batches(due_ids):
        issued, failed = _batch_issue_or_one_by_one(
            invoice_ids=batch, run=run, issuer=issuer, issue_date=issue_date, actor=actor, errors=errors
        )
        still_mine = mine.update(
            done=F("done") + len(batch),
            issued_count=F("issued_count") + issued,
            skipped_count=F("skipped_count") + len(batch) - issued - failed,
            heartbeat_at=clock.now(),
        )
        if not still_mine:
            logger.warning("billing run %s was taken over by another process: this one stops", run.pk)
            return BillingRun.objects.get(pk=run.pk)
        for _invoice in batch:
            done += 1
            if progress is not None:
                progress(done, len(due_ids))
    return _run_finish(run_id=run.pk, actor=actor, errors=errors, worker=worker)


def _batch_issue_or_one_by_one(
    *,
    invoice_ids: Sequence[int],
    run: BillingRun,
    issuer: IssuingSetup,
    issue_date: date,
    actor: Actor,
    errors: list[str],
) -> tuple[int, int]:
    """Issue a batch; if it fails, each of its drafts alone, so one bad invoice fails alone and stays a
    draft (its number given back) while the others are issued. Returns (issued, failed)."""
    try:
        return (
            _issue_batch(invoice_ids=invoice_ids, run=run, issuer=issuer, issue_date=issue_date, actor=actor),
            0,
        )
    except Exception as exc:
        if len(invoice_ids) > 1:
            logger.warning("billing run %s: a batch failed (%s); issuing its drafts one by one", run.pk, exc)
        else:
            logger.exception("billing run %s: invoice %s failed", run.pk, invoice_ids[0])
            errors.append(f"invoice {invoice_ids[0]}: {failure_text(exc)}")
            return 0, 1
    issued = failed = 0
    for invoice_id in invoice_ids:
        one_issued, one_failed = _batch_issue_or_one_by_one(
            invoice_ids=[invoice_id],
            run=run,
            issuer=issuer,
            issue_date=issue_date,
            actor=actor,
            errors=errors,
        )
        issued += one_issued
        failed += one_failed
    return issued, failed


@transaction.atomic
def _run_finish(*, run_id: int, actor: Actor, errors: list[str], worker: str) -> BillingRun:
    run = BillingRun.objects.select_for_update().get(pk=run_id)
    if run.status != BillingRunStatus.RUNNING or run.worker != worker:
        logger.warning("billing run %s is no longer this process's: not finished here", run.pk)
        return run
    _run_files_write(run=run)
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
            "resumes": run.resumes,
        },
    )
    return run


def _run_files_write(*, run: BillingRun) -> None:
    """The print bundle and the mailing list of exactly the invoices this run issued (resumes
    included). Files a killed attempt left at the same names are replaced; when one cannot be written
    (a full disk) the ones written are removed and the error is raised (the caller's transaction
    rolls back)."""
    issued = list(Invoice.objects.filter(billing_run=run).order_by("number"))
    if not issued:
        return
    stamp = f"{run.run_month:%Y-%m}-run{run.pk}"
    # The pages are the invoices' kept originals, copied, not drawn again (pdf/bundle.py).
    bundle = pdf_bundle(
        (_file_read(document.file) for document in invoice_originals_of_run(run_id=run.pk)),
        title=f"請求書 {run.run_month:%Y年%m月}分 一括印刷",
    )
    mailing = mailing_csv_bytes(issued)
    written: list[str] = []
    try:
        run.bundle_sha256 = sha256_hex(bundle)
        _file_replace(run.bundle_pdf, name=f"invoices-{stamp}.pdf", content=bundle)
        written.append(run.bundle_pdf.name)
        run.mailing_sha256 = sha256_hex(mailing)
        _file_replace(run.mailing_csv, name=f"mailing-{stamp}.csv", content=mailing)
        written.append(run.mailing_csv.name)
    except BaseException:
        for name in written:
            run.bundle_pdf.storage.delete(name)
        raise


def _file_read(field_file: FieldFile) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


def _file_replace(field_file: FieldFile, *, name: str, content: bytes) -> None:
    target = field_file.field.generate_filename(field_file.instance, name)
    if field_file.storage.exists(target):  # left by an attempt killed before its row committed
        field_file.storage.delete(target)
    file_keep(field_file, name, content)


def _run_fail(*, run_id: int, actor: Actor, message: str, only_silent: bool = False) -> int:
    """End a run in progress ``failed`` with ``message`` kept; its month is free again. 1 if it did."""
    now = clock.now()
    with transaction.atomic():
        runs = BillingRun.objects.filter(pk=run_id, status__in=IN_PROGRESS_RUN_STATUSES)
        if only_silent:
            runs = runs.filter(_silent(now))
        failed = runs.update(status=BillingRunStatus.FAILED, error=message, finished_at=now, worker="")
        if failed:
            run = BillingRun.objects.get(pk=run_id)
            audit_record(
                actor=actor,
                action="billing_run.failed",
                subject=run,
                summary=gettext_noop("%(month)s分の請求処理が失敗しました（発行 %(issued)s件）"),
                summary_params={"month": f"{run.run_month:%Y-%m}", "issued": run.issued_count},
                data={"issued": run.issued_count, "done": run.done, "total": run.total, "error": message},
                at=now,
            )
    return failed


def _run_fail_quietly(*, run_id: int, actor: Actor, message: str) -> None:
    """``_run_fail``, when the database may be what failed: if it can't be written now, the run stays
    in progress and the lease recovery resumes it later."""
    try:
        _run_fail(run_id=run_id, actor=actor, message=message)
    except Exception:
        logger.exception(
            "billing run %s could not be marked failed; the lease recovery will resume it", run_id
        )
