"""When an invoice may be deleted, and everything its deletion takes (issue 15; docs/billing.md "Retention").

The legal period. The issuer keeps a copy of every 適格請求書 and 適格返還請求書 it issued
(消費税法第57条の4第6項) for seven years from the day after two months have passed since the day
after the end of the taxable period of issue (消費税法施行令第70条の13第1項: 課税期間の末日の翌日から
2月を経過した日から7年間). The corporate-tax side keeps the same papers seven years from the day after
the filing deadline of the business year (法人税法施行規則第59条第1項: 確定申告書の提出期限の翌日から
7年間), and that deadline is two months after the year's end (法人税法第74条), or three under the
extension (法人税法第75条の2). A company's taxable period is its business year (消費税法第19条), so
both count from the same year end, and the later of the two starts is the one kept: the day after
the year end, plus two months, plus ``TAX_FILING_EXTENSION_MONTHS``. For a 3月決算 company without the
extension, an invoice issued on 2026-12-01 (year ending 2027-03-31) is kept from 2027-06-01 for seven
years, up to 2034-05-31, and deleted on 2034-06-01. A year with a loss carried forward keeps its
books ten years (法人税法施行規則第26条の3): set ``INVOICE_RETENTION_YEARS`` to 10 then.

What goes together. An invoice is deleted with everything that refers to it — its credit note, its
additional invoices and fee credits (and their credit notes) — as one *group* named by the invoice,
once every member is past its own period (a credit note counts from its own issue day, so the group
goes on the latest member's day), every payment allocated to it is past its period too (counted from
the day it was received), and nothing in it is still owed or waiting to be issued (an unpaid or
disputed invoice, a draft adjustment, a payment allocated to it with yen still to place): a claim
is never deleted. Drafts voided before issue go with their group; they were never issued.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.files import FieldFile

from calsreg.billing.models import (
    OPEN_STATUSES,
    PAYABLE_KINDS,
    BillingRun,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)

# The consumption-tax filing deadline: two months after the end of the taxable period (消費税法第45条).
FILING_MONTHS = 2


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.month - 1 + months
    return date(first_of_month.year + index // 12, index % 12 + 1, 1)


def taxable_period_end(day: date) -> date:
    """The last day of the business year (taxable period) that ``day`` falls in."""
    end_month = settings.FISCAL_YEAR_END_MONTH
    year = day.year if day.month <= end_month else day.year + 1
    return date(year, end_month, calendar.monthrange(year, end_month)[1])


def retention_starts_on(day: date) -> date:
    """The first day of the legal period for a document of ``day``: the day after the filing deadline
    (the period end's next day plus two months, plus the corporate-tax extension if taken)."""
    next_day = taxable_period_end(day) + timedelta(days=1)  # always the first of a month
    return _add_months(next_day, FILING_MONTHS + settings.TAX_FILING_EXTENSION_MONTHS)


def deletable_from(day: date) -> date:
    """The first day on which a document issued (or a payment received) on ``day`` may be deleted."""
    start = retention_starts_on(day)
    return start.replace(year=start.year + settings.INVOICE_RETENTION_YEARS)


def last_day_due(*, today: date) -> date:
    """The latest issue (or receipt) day whose period is over on ``today``: every earlier day is too
    (``deletable_from`` only grows with the day)."""
    period_end = taxable_period_end(today)
    while deletable_from(period_end) > today:
        year, month = period_end.year - 1, period_end.month
        period_end = date(year, month, calendar.monthrange(year, month)[1])
    return period_end


def _members_q(root: object) -> Q:
    """The invoices of ``root``'s group (``root`` a primary key or ``OuterRef``): it, its additional
    invoices and fee credits, and the credit notes of any of them."""
    return (
        Q(pk=root)
        | Q(adjusted_invoice=root)
        | Q(credited_invoice=root)
        | Q(credited_invoice__adjusted_invoice=root)
    )


def invoice_groups_due(*, today: date) -> QuerySet[Invoice]:
    """The invoices whose whole group may be deleted on ``today`` (oldest first): the daily job's and
    the dry run's list, and the test made again under the lock."""
    last = last_day_due(today=today)
    members = Invoice.objects.filter(_members_q(OuterRef("pk")))
    allocations = PaymentAllocation.objects.filter(
        Q(invoice=OuterRef("pk")) | Q(invoice__adjusted_invoice=OuterRef("pk"))
    )
    return (
        Invoice.objects.filter(kind=InvoiceKind.INVOICE, issue_date__lte=last)
        .exclude(status=InvoiceStatus.DRAFT)
        .annotate(
            issued_later=Exists(members.filter(issue_date__gt=last)),
            waiting=Exists(members.filter(status=InvoiceStatus.DRAFT)),
            owed=Exists(members.filter(kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)),
            paid_later=Exists(allocations.filter(payment__received_on__gt=last)),
            # A payment with yen still to place (partly matched) is an open matter of the agent's:
            # deleting its allocation here would put the whole amount back in the queue.
            payment_open=Exists(allocations.exclude(payment__status=PaymentStatus.MATCHED)),
        )
        .filter(issued_later=False, waiting=False, owed=False, paid_later=False, payment_open=False)
        .order_by("issue_date", "pk")
    )


def invoice_group_is_due(*, invoice: Invoice, today: date) -> bool:
    return invoice_groups_due(today=today).filter(pk=invoice.pk).exists()


@dataclass
class RetentionScope:
    """Every row and file one group's deletion takes. Referrers come first in ``invoices`` (credit
    notes, then adjustments, then the invoice): the order they can be deleted in."""

    invoice: Invoice
    invoices: list[Invoice]
    documents: list[InvoiceDocument]
    allocations: list[PaymentAllocation]
    payments: list[Payment]  # fully matched payments allocated to nothing else: they go too
    runs: list[BillingRun]  # billing runs left with no invoice: their bundled PDF and list go
    files: list[FieldFile] = field(default_factory=list)  # the PDFs' and the runs' files

    def counts(self) -> dict[str, int]:
        return {
            "invoices": len(self.invoices),
            "documents": len(self.documents),
            "allocations": len(self.allocations),
            "payments": len(self.payments),
            "run_files": sum(bool(run.bundle_pdf.name) + bool(run.mailing_csv.name) for run in self.runs),
        }


def retention_scope(*, invoice: Invoice) -> RetentionScope:
    """What deleting ``invoice``'s group takes (read only; the service locks and deletes it)."""
    members = list(Invoice.objects.filter(_members_q(invoice.pk)).order_by("pk"))
    order: dict[str, int] = {InvoiceKind.CREDIT_NOTE: 0, InvoiceKind.FEE_CREDIT: 1, InvoiceKind.ADDITIONAL: 1}
    members.sort(key=lambda member: (order.get(member.kind, 2), member.pk))
    ids = [member.pk for member in members]
    documents = list(InvoiceDocument.objects.filter(invoice__in=ids).order_by("pk"))
    allocations = list(PaymentAllocation.objects.filter(invoice__in=ids).order_by("pk"))
    elsewhere = PaymentAllocation.objects.filter(payment=OuterRef("pk")).exclude(invoice__in=ids)
    payments = list(
        Payment.objects.filter(pk__in={a.payment_id for a in allocations}, status=PaymentStatus.MATCHED)
        .filter(~Exists(elsewhere))
        .order_by("pk")
    )
    other_invoices = Invoice.objects.filter(billing_run=OuterRef("pk")).exclude(pk__in=ids)
    runs = list(
        BillingRun.objects.filter(pk__in={m.billing_run_id for m in members} - {None})
        .filter(~Exists(other_invoices))
        .exclude(bundle_pdf="", mailing_csv="")
        .order_by("pk")
    )
    files = [d.file for d in documents if d.file.name]
    files += [f for run in runs for f in (run.bundle_pdf, run.mailing_csv) if f.name]
    return RetentionScope(
        invoice=invoice,
        invoices=members,
        documents=documents,
        allocations=allocations,
        payments=payments,
        runs=runs,
        files=files,
    )
