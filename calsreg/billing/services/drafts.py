"""The invoice draft made when the start-of-use notice is sent (seed step 5 → step 6)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.billing.due_dates import run_month_for_start
from calsreg.billing.errors import BillingNotConfigured
from calsreg.billing.fees import FeeInputs, fee_lines
from calsreg.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from calsreg.billing.numbering import customer_code_for
from calsreg.billing.selectors import fee_plan_for
from calsreg.billing.tax import tax_rate_on, totals_for
from calsreg.core import clock
from calsreg.records.services import Actor, audit_record

logger = logging.getLogger(__name__)


def _live_invoice(project: Project) -> Invoice | None:
    return (
        Invoice.objects.filter(project=project, kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .first()
    )


@transaction.atomic
def invoice_draft_for_project(*, project: Project, actor: Actor) -> Invoice:
    """Create the project's invoice draft, or return the one that exists (idempotent).

    Called by the desk right after a start of use, by ``invoice_drafts_create_missing`` (daily
    and before each billing run) — accounts sits below billing and cannot call it. The
    billing address is copied from the application (請求書送付先) and frozen; the lines come from the
    organisation's fee plan in force on the start-of-use day, each with its explanation; the draft
    waits for the run month given by the plan's cut-off day. A voided invoice does not count, so a
    project whose invoice was voided can be drafted again.

    Raises BillingNotConfigured when no fee plan or tax rate applies on the start-of-use day.
    """
    # The project row lock makes two concurrent calls wait for each other (the unique constraint
    # on live invoices is the backstop).
    project = (
        Project.objects.select_for_update(of=("self", "application"))
        .select_related("application", "office__organisation")
        .get(pk=project.pk)
    )
    existing = _live_invoice(project)
    if existing is not None:
        return existing

    started_on = timezone.localdate(project.started_at) if project.started_at else clock.today()
    plan = fee_plan_for(organisation=project.office.organisation, on=started_on)
    rate = tax_rate_on(started_on)
    application = project.application
    inputs = FeeInputs(
        period_start=project.period_start,
        period_end=project.period_end,
        # Tiers are fixed at the amount applied for; a later 変更契約 does not change the fee.
        original_contract_amount=application.contract_amount,
    )
    with translation.override("ja"):  # the invoice is a Japanese document whatever the actor's language
        lines = fee_lines(plan=plan, inputs=inputs)
    totals = totals_for((line.amount, rate) for line in lines)

    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                kind=InvoiceKind.INVOICE,
                status=InvoiceStatus.DRAFT,
                project=project,
                fee_plan=plan,
                billing_addressee=application.billing_addressee,
                billing_department=application.billing_department,
                billing_postcode=application.billing_postcode,
                billing_address=application.billing_address,
                billing_phone=application.billing_phone,
                payer_kana=application.contractor_kana,
                customer_code=customer_code_for(project_id=project.pk),
                transaction_date=started_on,
                run_month=run_month_for_start(started_on=started_on, cutoff_day=plan.invoice_cutoff_day),
                subtotal=totals.subtotal,
                tax=totals.tax,
                total=totals.total,
                tax_breakdown=[part.as_dict() for part in totals.parts],
            )
    except IntegrityError:
        # Only reachable where row locks are not taken: another call drafted it first.
        existing = _live_invoice(project)
        if existing is None:
            raise
        return existing
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            amount=line.amount,
            tax_rate_percent=rate,
            explanation={**line.explanation, "tax_rate_percent": rate, "started_on": started_on.isoformat()},
        )
        for position, line in enumerate(lines, start=1)
    )
    audit_record(
        actor=actor,
        action="invoice.drafted",
        subject=invoice,
        summary=gettext_noop(
            "請求書の下書きを作成しました（%(project_number)s、合計 %(total)s円、%(run_month)s請求）"
        ),
        summary_params={
            "project_number": project.project_number,
            "total": f"{invoice.total:,}",
            "run_month": f"{invoice.run_month:%Y-%m}",
        },
        data={"project_id": project.pk, "plan_id": plan.pk, "subtotal": invoice.subtotal, "tax": invoice.tax},
    )
    return invoice


def projects_without_invoice(*, today: date) -> QuerySet[Project]:
    """Started projects (by ``today``) with no live invoice: what ``invoice_drafts_create_missing``
    drafts, and what the billing run's preview counts as still to be drafted."""
    live = Invoice.objects.filter(project=OuterRef("pk"), kind=InvoiceKind.INVOICE).exclude(
        status=InvoiceStatus.VOID
    )
    return (
        Project.objects.filter(
            started_at__isnull=False,
            started_at__date__lte=today,
            status__in=[ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED],
        )
        .exclude(Exists(live))
        .order_by("pk")
    )


def invoice_drafts_create_missing(*, actor: Actor | None = None, today: date | None = None) -> int:
    """Draft an invoice for every started project that has no live one; return how many were made.

    Accounts sits below billing in the import layers, so the start-of-use service cannot draft the
    invoice itself; this sweep (a daily job, and the first step of every billing run) is what
    guarantees no started project goes unbilled. Idempotent: a project with a live invoice is
    skipped. A project whose organisation has no fee plan yet is logged and left for a later day
    (the administrator completes the configuration) rather than stopping the others.
    """
    actor = actor or Actor.system("invoice_drafts_create_missing")
    created = 0
    for project in projects_without_invoice(today=today or clock.today()):
        try:
            invoice_draft_for_project(project=project, actor=actor)
        except BillingNotConfigured:
            logger.warning("no invoice draft for project %s: billing not configured", project.pk)
            continue
        created += 1
    return created
