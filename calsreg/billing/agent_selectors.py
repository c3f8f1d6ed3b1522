"""Reads for the billing agent's screens and API: the filtered invoice list and receivables aging.

Both read a bounded number of queries whatever the number of invoices (the list pages them; aging
is one aggregate row over the stored paid amounts). An invoice's allocations are the payments side's
read (``payments_selectors.allocations_of_invoice``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Prefetch, Q, Sum
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.billing.models import BillingRun, Invoice, InvoiceDeferral, InvoiceStatus
from calsreg.billing.models.invoices import OPEN_STATUSES, PAYABLE_KINDS, InvoiceQuerySet
from calsreg.core.errors import NotFound


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""
    overdue: bool = False
    office_id: int | None = None
    run_month: date | None = None  # any day of the month


def invoices_for_agent(*, filters: InvoiceFilters, today: date) -> InvoiceQuerySet:
    """Invoices and credit notes with ``paid_amount``, newest run month first."""
    invoices = Invoice.objects.select_related("project__office").with_amount_paid()
    if filters.status:
        invoices = invoices.filter(status=filters.status)
    if filters.overdue:
        invoices = invoices.overdue(today=today)
    if filters.office_id:
        invoices = invoices.filter(project__office_id=filters.office_id)
    if filters.run_month:
        invoices = invoices.filter(run_month=filters.run_month.replace(day=1))
    return invoices.order_by("-run_month", "number", "id")


def invoice_for_agent(*, invoice_id: int) -> Invoice:
    """One invoice with everything its detail page shows; Invoice.DoesNotExist when there is none."""
    return (
        Invoice.objects.select_related(
            "project__office", "project__application", "credited_invoice", "adjusted_invoice"
        )
        .prefetch_related(
            "lines",
            "documents",
            Prefetch("deferrals", queryset=InvoiceDeferral.objects.order_by("-until", "-id")),
        )
        .with_amount_paid()
        .get(pk=invoice_id)
    )


# (key, label, lowest days overdue, highest days overdue or None)
AGING_BUCKETS: tuple[tuple[str, object, int | None, int | None], ...] = (
    ("not_due", _("期限前"), None, 0),
    ("d1_30", _("1〜30日超過"), 1, 30),
    ("d31_60", _("31〜60日超過"), 31, 60),
    ("d61_90", _("61〜90日超過"), 61, 90),
    ("d90_plus", _("90日超"), 91, None),
)


@dataclass
class AgingBucket:
    key: str
    label: object
    count: int = 0
    amount: int = 0  # yen still owed (total minus allocations)


def _aging_condition(today: date, low: int | None, high: int | None) -> Q:
    """Invoices ``low``..``high`` days past due (``low`` None: not yet due, no due date included)."""
    if low is None:
        return Q(due_on__isnull=True) | Q(due_on__gte=today - timedelta(days=high or 0))
    condition = Q(due_on__lte=today - timedelta(days=low))
    if high is not None:
        condition &= Q(due_on__gte=today - timedelta(days=high))
    return condition


def receivables_aging(*, today: date) -> tuple[list[AgingBucket], AgingBucket]:
    """Owed invoices by days past their due date; an invoice not yet posted (no due date) is not due.

    One aggregate row (``COUNT``/``SUM … FILTER`` per bucket) over the open invoices, reading the
    stored ``amount_paid`` (no subquery per invoice). Returns the buckets in order and their total."""
    unpaid = ExpressionWrapper(F("total") - F("amount_paid"), output_field=BigIntegerField())
    aggregates: dict[str, Any] = {}
    for key, _label, low, high in AGING_BUCKETS:
        condition = _aging_condition(today, low, high)
        aggregates[f"{key}_count"] = Count("pk", filter=condition)
        aggregates[f"{key}_amount"] = Sum(unpaid, filter=condition, default=0)
    row = (
        Invoice.objects.filter(kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)
        .filter(total__gt=F("amount_paid"))
        .aggregate(**aggregates)
    )
    buckets = [
        AgingBucket(key=key, label=label, count=row[f"{key}_count"], amount=row[f"{key}_amount"])
        for key, label, _low, _high in AGING_BUCKETS
    ]
    total = AgingBucket(key="total", label=_("合計"))
    total.count = sum(b.count for b in buckets)
    total.amount = sum(b.amount for b in buckets)
    return buckets, total


def invoice_by_number(*, number: str) -> Invoice:
    """The invoice or credit note numbered ``number`` (2026-000123; the hyphen may be left out), with
    ``paid_amount``; raises ``NotFound``."""
    text = number.strip()
    if len(text) == 10 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    invoice = Invoice.objects.select_related("project__office").with_amount_paid().filter(number=text).first()
    if invoice is None:
        raise NotFound(_("請求書番号 %(number)s の請求書はありません。") % {"number": number.strip()})
    return invoice


@dataclass(frozen=True)
class RunPosting:
    to_post: int  # issued, not yet posted
    posted: int  # posted (or paid since)
    posted_on: list[date]  # the posting dates recorded, earliest first


def run_posting_summary(*, run: BillingRun) -> RunPosting:
    """How far the run's invoices have been posted (two queries whatever their number)."""
    invoices = Invoice.objects.filter(billing_run=run)
    counts = invoices.aggregate(
        to_post=Count("pk", filter=Q(status=InvoiceStatus.ISSUED)),
        posted=Count("pk", filter=Q(posted_on__isnull=False)),
    )
    dates = invoices.exclude(posted_on=None).order_by("posted_on").values_list("posted_on", flat=True)
    return RunPosting(
        to_post=counts["to_post"], posted=counts["posted"], posted_on=[day for day in dates.distinct() if day]
    )


@dataclass
class SuspendedProject:
    project: Project
    invoices: list[Invoice]  # unpaid invoices and additional invoices, oldest due date first
    owed: int = 0  # yen still owed on them
    owed_since: date | None = None  # the earliest due date among them


def suspended_projects_owing() -> list[SuspendedProject]:
    """Suspended projects, longest suspended first, each with what it owes (two queries whatever the
    number of projects and invoices)."""
    projects = list(
        Project.objects.filter(status=ProjectStatus.SUSPENDED)
        .select_related("office")
        .order_by("suspended_at", "pk")
    )
    rows = {project.pk: SuspendedProject(project=project, invoices=[]) for project in projects}
    invoices = (
        Invoice.objects.filter(project_id__in=rows, kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)
        .with_amount_paid()
        .order_by("due_on", "number")
    )
    for invoice in invoices:
        row = rows[invoice.project_id]
        row.invoices.append(invoice)
        row.owed += invoice.amount_outstanding
        if invoice.due_on and (row.owed_since is None or invoice.due_on < row.owed_since):
            row.owed_since = invoice.due_on
    return list(rows.values())
