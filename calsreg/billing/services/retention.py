"""Deleting invoices once their legal retention period is over (issue 15; docs/billing.md "Retention").

The daily job ``invoice_retention`` calls ``invoices_retention_delete_due``: every invoice group
``retention_selectors.invoice_groups_due`` lists — the invoice, its credit notes and adjustments —
is deleted in its own transaction with its lines, PDFs, deferrals, payment allocations, the payments
allocated to nothing else, and the files of billing runs left without invoices. Rows are deleted, not
anonymised: nothing the law asks to keep outlives the period, and an anonymised invoice would still
be a document with a number and amounts nobody may rely on. What stays is the audit: one row per
invoice deleted (number, kind, issue day, amounts, the files' names and checksums, never the
addressee), the invoice-number counters (numbers are never reused, so a gap in the series is a
deletion the audit explains) and the projects.

Files are removed after the rows' transaction commits (``core.files.file_delete_after_commit``),
under the lock that keeps deletions out of a running backup. Safe in several workers: a group whose
invoice another worker has locked is skipped (skip-locked) and the due test is made again under the
lock; running it twice deletes nothing more.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_noop

from calsreg.billing.models import Invoice, InvoiceDeferral, InvoiceLine
from calsreg.billing.retention_selectors import (
    RetentionScope,
    deletable_from,
    invoice_group_is_due,
    invoice_groups_due,
    retention_scope,
)
from calsreg.core import clock
from calsreg.core.files import file_delete_after_commit
from calsreg.records.backup.lock import file_deletion_lock
from calsreg.records.services import Actor, audit_record

logger = logging.getLogger(__name__)

RETENTION_JOB_ACTOR = "invoice_retention"


class RetentionIncomplete(RuntimeError):
    """Some invoice groups due could not be deleted (logged); the others were. The next run retries."""


def invoices_retention_delete_due(*, today: date | None = None, actor: Actor | None = None) -> int:
    """Delete every invoice group past its retention period on ``today`` (Japan); how many invoices
    (credit notes and adjustments included) were deleted.

    One group per transaction; one that fails is logged, the others go on, then
    ``RetentionIncomplete`` is raised so the daily run reports it. Idempotent.
    """
    today = today or clock.today()
    actor = actor or Actor.system(RETENTION_JOB_ACTOR)
    deleted = 0
    failed: list[int] = []
    for invoice_id in list(invoice_groups_due(today=today).values_list("pk", flat=True)):
        try:
            with file_deletion_lock():  # held until the transaction ended: records.backup.lock
                deleted += _group_delete_if_due(invoice_id=invoice_id, today=today, actor=actor)
        except Exception:  # logged and reported at the end: the other groups must still go
            logger.exception("deleting invoice %s and its group past retention failed", invoice_id)
            failed.append(invoice_id)
    if failed:
        raise RetentionIncomplete(f"{deleted} deleted; failed for invoices {failed}")
    return deleted


@transaction.atomic
def _group_delete_if_due(*, invoice_id: int, today: date, actor: Actor) -> int:
    # skip_locked: a group another worker is deleting (or the desk is changing) is left to it.
    invoice = Invoice.objects.select_for_update(skip_locked=True).filter(pk=invoice_id).first()
    if invoice is None or not invoice_group_is_due(invoice=invoice, today=today):
        return 0
    scope = retention_scope(invoice=invoice)
    ids = [member.pk for member in scope.invoices]
    list(Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    for member in scope.invoices:
        _audit(invoice=member, scope=scope, actor=actor)
    for kept in scope.files:
        if kept.name:
            file_delete_after_commit(kept.storage, kept.name)
    _rows_delete(scope=scope, ids=ids, actor=actor)
    return len(ids)


def _rows_delete(*, scope: RetentionScope, ids: list[int], actor: Actor) -> None:
    for allocation in scope.allocations:
        allocation.delete()
    for payment in scope.payments:
        payment.delete()
    InvoiceDeferral.objects.filter(invoice__in=ids).delete()
    for document in scope.documents:
        document.delete()
    InvoiceLine.objects.filter(invoice__in=ids).delete()
    for member in scope.invoices:  # referrers first: the references are PROTECT
        member.delete()
    for run in scope.runs:
        audit_record(
            actor=actor,
            action="billing_run.files_deleted",
            subject=run,
            summary=gettext_noop(
                "保存期間を過ぎた請求書とともに、請求処理の印刷用PDFと郵送リストを削除しました。"
            ),
            data={"bundle_pdf": run.bundle_pdf.name, "mailing_csv": run.mailing_csv.name},
        )
        run.bundle_pdf.name = run.mailing_csv.name = ""
        run.bundle_sha256 = run.mailing_sha256 = ""
        run.save(update_fields=["bundle_pdf", "mailing_csv", "bundle_sha256", "mailing_sha256", "updated_at"])


def _audit(*, invoice: Invoice, scope: RetentionScope, actor: Actor) -> None:
    # Numbers and amounts only: the addressee is personal data of a kind, and the record of a
    # deletion must not keep what was deleted.
    documents = [
        {"kind": d.kind, "file": d.file.name, "sha256": d.sha256}
        for d in scope.documents
        if d.invoice_id == invoice.pk
    ]
    audit_record(
        actor=actor,
        action="invoice.retention_deleted",
        subject=invoice,
        summary=gettext_noop("保存期間を過ぎた請求書 %(number)s（発行日 %(issued)s）を削除しました。"),
        summary_params={"number": invoice.number or "-", "issued": str(invoice.issue_date or "-")},
        data={
            "number": invoice.number,
            "kind": invoice.kind,
            "status": invoice.status,
            "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
            "deletable_from": deletable_from(invoice.issue_date).isoformat() if invoice.issue_date else None,
            "total": invoice.total,
            "tax": invoice.tax,
            "project_id": invoice.project_id,
            "group_invoice_id": scope.invoice.pk,
            "documents": documents,
            "allocations": sum(1 for a in scope.allocations if a.invoice_id == invoice.pk),
        },
    )
