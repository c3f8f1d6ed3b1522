"""Reads of the billing app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from calsreg.accounts.models import Project, Role, User
from calsreg.billing.errors import BillingNotConfigured
from calsreg.billing.models import (
    PAYABLE_KINDS,
    FeePlan,
    Invoice,
    InvoiceDocument,
    InvoiceStatus,
    Issuer,
    IssuingArrangement,
    Payment,
    Seller,
)
from calsreg.billing.models.invoices import InvoiceQuerySet
from calsreg.core import clock
from calsreg.core.errors import NotFound
from calsreg.directory.models import OrdererOrganisation


@dataclass(frozen=True)
class IssuingSetup:
    """The issuer in force on a day: the seller (ASP), the billing agent and the regime."""

    agent: Issuer
    seller: Seller
    arrangement: IssuingArrangement


def _in_force(queryset: QuerySet[Any], on: date) -> Any:
    return (
        queryset.filter(valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .first()
    )


def issuer_active(*, on: date | None = None) -> IssuingSetup:
    """The seller, the active billing agent and the regime in force on ``on`` (today by default);
    BillingNotConfigured naming what is missing, so nothing is issued without all three."""
    day = on or clock.today()
    agent = _in_force(Issuer.objects.filter(active=True), day)
    seller = _in_force(Seller.objects.all(), day)
    arrangement = _in_force(IssuingArrangement.objects.all(), day)
    missing = [
        str(model._meta.verbose_name)
        for model, row in ((Issuer, agent), (Seller, seller), (IssuingArrangement, arrangement))
        if row is None
    ]
    if missing:
        raise BillingNotConfigured(
            _("%(day)s 時点の%(what)sが設定されていません。管理者に連絡してください。")
            % {"day": day.isoformat(), "what": "・".join(missing)}
        )
    return IssuingSetup(agent=agent, seller=seller, arrangement=arrangement)


def fee_plan_for(*, organisation: OrdererOrganisation, on: date) -> FeePlan:
    """The organisation's plan in force on ``on`` (the latest ``active_from`` not after it)."""
    plan = (
        FeePlan.objects.filter(organisation=organisation, active_from__lte=on)
        .order_by("-active_from")
        .first()
    )
    if plan is None:
        raise BillingNotConfigured(
            _("%(organisation)s の %(day)s 時点の料金プランが設定されていません。")
            % {"organisation": organisation.name, "day": on.isoformat()}
        )
    return plan


def invoices_with_amount_paid() -> InvoiceQuerySet:
    """Invoices annotated with ``paid_amount`` (read ``invoice.amount_paid``)."""
    return Invoice.objects.with_amount_paid()


def invoices_overdue(*, today: date) -> InvoiceQuerySet:
    """Owed invoices past their due date (derived, never stored): due_on < today and not paid."""
    return Invoice.objects.overdue(today=today).with_amount_paid()


def first_service_day() -> date | None:
    """The day (Japan) the first project of all started its use; None while none has started."""
    first = Project.objects.aggregate(first=Min("started_at"))["first"]
    return timezone.localdate(first) if first is not None else None


def invoices_due_for_run(*, run_month: date) -> InvoiceQuerySet:
    """Drafts — invoices and additional invoices — whose run month has come (a draft missed by an
    earlier run is picked up by the next)."""
    return Invoice.objects.filter(kind__in=PAYABLE_KINDS, status="draft", run_month__lte=run_month).order_by(
        "run_month", "id"
    )


def invoice_for_print_queryset() -> InvoiceQuerySet:
    """Invoices with everything ``invoice_print_from`` reads, in one query plus one for the lines."""
    return Invoice.objects.select_related(
        "project__office", "credited_invoice", "adjusted_invoice"
    ).prefetch_related("lines")


def invoice_for_print(*, invoice_id: int) -> Invoice:
    return invoice_for_print_queryset().get(pk=invoice_id)


def invoice_originals_of_run(*, run_id: int) -> Iterator[InvoiceDocument]:
    """The original PDF of every invoice a billing run issued, in invoice-number order (the bundle's)."""
    return (
        InvoiceDocument.objects.filter(invoice__billing_run_id=run_id, kind="original")
        .only("file")
        .order_by("invoice__number")
        .iterator(chunk_size=500)
    )


def invoices_of_account(*, user: User) -> InvoiceQuerySet:
    """Issued invoices (and credit notes) of the projects a contractor account works on — my page.

    Contractors only: the invoice is addressed to the contractor, and the orderer's supervisors have
    no business with its fee. Drafts are not shown (their figures may still change).
    """
    if user.role != Role.CONTRACTOR:
        return Invoice.objects.none()
    return (
        Invoice.objects.filter(project__memberships__user=user, project__memberships__active=True)
        .exclude(status=InvoiceStatus.DRAFT)
        .select_related("project")
        .with_amount_paid()
        .order_by("-issue_date", "-id")
    )


def invoice_document_of_account(*, user: User, invoice_id: int) -> InvoiceDocument:
    """The latest PDF of one of ``user``'s invoices; NotFound for anyone else's (never says it exists)."""
    invoice = invoices_of_account(user=user).filter(pk=invoice_id).first()
    document = invoice.documents.order_by("-created_at", "-id").first() if invoice else None
    if document is None:
        raise NotFound(_("請求書が見つかりません。"))
    return document


def receipt_of_account(*, user: User, invoice_id: int) -> tuple[Invoice, int, date]:
    """One of ``user``'s paid invoices with the yen received on it (payments, not fee credits) and
    the day the last payment arrived; NotFound for an invoice not theirs, not paid, or settled by
    credits alone (nothing was received) — never saying which."""
    invoice = invoices_of_account(user=user).filter(pk=invoice_id).first()
    if invoice is not None and invoice.receipt_available:
        last = Payment.objects.filter(allocations__invoice=invoice).aggregate(last=Max("received_on"))["last"]
        if last is not None:
            return invoice, invoice.amount_received, last
    raise NotFound(_("領収書が見つかりません。"))


def runs_silent_since(cutoff: datetime) -> Q:
    """Runs with no heartbeat since ``cutoff`` (before their first one: no change of the row since):
    what the lease (services.runs) and the readiness check (health.py) both mean by a silent run."""
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
