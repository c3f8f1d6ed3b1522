"""Settling a new construction period or billing address on the invoices (see the package doc)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project
from calsreg.billing.due_dates import month_start
from calsreg.billing.fees import FeeLine
from calsreg.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from calsreg.billing.models.invoices import OPEN_STATUSES
from calsreg.billing.selectors import invoice_for_print, issuer_active
from calsreg.billing.services.adjustments.impact import Billed, Settlement, assess, billed_of
from calsreg.billing.services.corrections import invoice_void
from calsreg.billing.services.dunning import invoice_paid
from calsreg.billing.services.payments.allocations import invoice_paid_amounts_add
from calsreg.billing.services.runs import invoice_issue_prepared
from calsreg.billing.tax import totals_for
from calsreg.core import clock
from calsreg.records.services import Actor, audit_record

BILLING_ADDRESS_FIELDS = (
    "billing_addressee",
    "billing_department",
    "billing_postcode",
    "billing_address",
    "billing_phone",
)


@transaction.atomic
def fee_change_settle(*, project: Project, actor: Actor, reason: str = "") -> Invoice | None:
    """Bring the invoices in line with ``project``'s (already updated) period; see the package doc.

    Returns the recomputed draft, the new or revised additional invoice, or the issued fee credit;
    None when there is no invoice yet or nothing to send (an unchanged fee, or a waiting additional
    invoice voided because the fee went back to what was issued). ``reason`` (say, the change
    request's number) is printed on the adjustment's lines and kept in their explanation. Raises
    BillingNotConfigured when a fee credit is due and no issuer is active.
    """
    project = Project.objects.select_for_update().select_related("application").get(pk=project.pk)
    billed = billed_of(project=project, lock=True)
    if billed is None or billed.live is None:
        return None
    reason = reason.strip()[:100]
    with translation.override("ja"):  # invoices are Japanese documents whatever the actor's language
        impact, document = assess(
            billed=billed, project=project, period=(project.period_start, project.period_end)
        )
        why = {"text": impact.explanation, "reason": reason}
        if not billed.issued:
            return _rewrite(invoice=billed.live, lines=document, billed=billed, why=why, actor=actor)
        if impact.settlement == Settlement.ADDITIONAL:
            return _additional_create(project=project, billed=billed, lines=document, why=why, actor=actor)
        if impact.settlement == Settlement.ADDITIONAL_REVISED:
            assert billed.open is not None
            return _rewrite(invoice=billed.open, lines=document, billed=billed, why=why, actor=actor)
        if billed.open is not None and impact.settlement != Settlement.UNCHANGED:
            invoice_void(invoice=billed.open, reason=_("工期の再変更により不要になりました"), actor=actor)
        if impact.settlement == Settlement.FEE_CREDIT:
            return _fee_credit_issue(project=project, billed=billed, lines=document, why=why, actor=actor)
    return None


@transaction.atomic
def billing_address_change_settle(*, project: Project, actor: Actor) -> int:
    """Copy the application's billing address (請求書送付先, just updated by the change service) into
    ``project``'s draft invoices; return how many changed. Issued invoices are never altered."""
    application = Project.objects.select_related("application").get(pk=project.pk).application
    address = {name: getattr(application, name) for name in BILLING_ADDRESS_FIELDS}
    changed = 0
    drafts = Invoice.objects.select_for_update().filter(project_id=project.pk, status=InvoiceStatus.DRAFT)
    for invoice in drafts.order_by("pk"):
        before = {name: getattr(invoice, name) for name in BILLING_ADDRESS_FIELDS}
        if before == address:
            continue
        for name, value in address.items():
            setattr(invoice, name, value)
        invoice.save(update_fields=[*BILLING_ADDRESS_FIELDS, "updated_at"])
        audit_record(
            actor=actor,
            action="invoice.billing_address_updated",
            subject=invoice,
            summary=gettext_noop(
                "発行前の請求書の送付先を変更しました（%(addressee)s、〒%(postcode)s %(address)s）"
            ),
            summary_params={
                "addressee": address["billing_addressee"],
                "postcode": address["billing_postcode"],
                "address": address["billing_address"],
            },
            data={"before": before, "after": address},
        )
        changed += 1
    return changed


# --- writing the documents -----------------------------------------------------------------------


def _line_rows(
    *, invoice: Invoice, lines: Sequence[FeeLine], billed: Billed, why: dict[str, str]
) -> list[InvoiceLine]:
    adjustment = invoice.kind != InvoiceKind.INVOICE
    started_on = billed.live.transaction_date if billed.live else clock.today()
    rows = []
    for position, line in enumerate(lines, start=1):
        description = line.description
        if adjustment and why["reason"]:
            description = f"{description}（{why['reason']}）"
        rows.append(
            InvoiceLine(
                invoice=invoice,
                position=position,
                description=description[:200],
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_rate_percent=billed.rate,
                explanation={
                    **line.explanation,
                    "tax_rate_percent": billed.rate,
                    "started_on": started_on.isoformat(),
                    "change_text": why["text"],
                    "change_reason": why["reason"],
                    "changed_on": clock.today().isoformat(),
                },
            )
        )
    return rows


def _totals_set(invoice: Invoice, lines: Sequence[FeeLine], rate: int) -> None:
    totals = totals_for((line.amount, rate) for line in lines)
    invoice.subtotal, invoice.tax, invoice.total = totals.subtotal, totals.tax, totals.total
    invoice.tax_breakdown = [part.as_dict() for part in totals.parts]


def _figures(invoice: Invoice) -> dict[str, Any]:
    return {
        "subtotal": invoice.subtotal,
        "tax": invoice.tax,
        "total": invoice.total,
        "lines": [[line.description, line.quantity, line.unit_price] for line in invoice.lines.all()],
    }


def _rewrite(
    *, invoice: Invoice, lines: Sequence[FeeLine], billed: Billed, why: dict[str, str], actor: Actor
) -> Invoice:
    """Recompute a draft (the invoice, or a waiting additional invoice) in place; audit before/after."""
    before = _figures(invoice)
    _totals_set(invoice, lines, billed.rate)
    invoice.save(update_fields=["subtotal", "tax", "total", "tax_breakdown", "updated_at"])
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(_line_rows(invoice=invoice, lines=lines, billed=billed, why=why))
    invoice = Invoice.objects.prefetch_related("lines").get(pk=invoice.pk)
    audit_record(
        actor=actor,
        action="invoice.recomputed",
        subject=invoice,
        summary=gettext_noop(
            "工期の変更により、発行前の請求書の金額を改めました（%(before)s円 → %(after)s円）"
        ),
        summary_params={
            "before": f"{before['total']:,}",
            "after": f"{invoice.total:,}",
        },
        data={"kind": invoice.kind, "before": before, "after": _figures(invoice), **why},
    )
    return invoice


def _adjustment_new(*, project: Project, billed: Billed, kind: str, lines: Sequence[FeeLine]) -> Invoice:
    """An adjustment of the live invoice, sent to the current billing address."""
    live = billed.live
    assert live is not None
    application = project.application
    invoice = Invoice(
        kind=kind,
        status=InvoiceStatus.DRAFT,
        project=project,
        adjusted_invoice=live,
        fee_plan=billed.plan,
        **{name: getattr(application, name) for name in BILLING_ADDRESS_FIELDS},
        honorific=live.honorific,
        payer_kana=application.contractor_kana,
        customer_code=live.customer_code,
        transaction_date=live.transaction_date,
        # The next billing run picks it up (a run takes every draft whose month has come).
        run_month=month_start(clock.today()),
    )
    _totals_set(invoice, lines, billed.rate)
    invoice.save()
    return invoice


def _additional_create(
    *, project: Project, billed: Billed, lines: Sequence[FeeLine], why: dict[str, str], actor: Actor
) -> Invoice:
    invoice = _adjustment_new(project=project, billed=billed, kind=InvoiceKind.ADDITIONAL, lines=lines)
    InvoiceLine.objects.bulk_create(_line_rows(invoice=invoice, lines=lines, billed=billed, why=why))
    assert billed.live is not None
    audit_record(
        actor=actor,
        action="invoice.additional_drafted",
        subject=invoice,
        summary=gettext_noop(
            "工期の変更による追加請求書を作成しました（請求書 %(number)s、合計 %(total)s円、%(run_month)s請求）"
        ),
        summary_params={
            "number": billed.live.number,
            "total": f"{invoice.total:,}",
            "run_month": f"{invoice.run_month:%Y-%m}",
        },
        data={"adjusted_invoice_id": billed.live.pk, "total": invoice.total, **why},
    )
    return invoice


def _fee_credit_issue(
    *, project: Project, billed: Billed, lines: Sequence[FeeLine], why: dict[str, str], actor: Actor
) -> Invoice:
    """Issue the fee credit now (number, PDF), like a void's credit note; an open invoice it settles
    together with the payments already made is marked paid (which reinstates a suspended project)."""
    issuer = issuer_active()  # before anything is written: BillingNotConfigured leaves no trace
    live = billed.live
    assert live is not None
    credit = _adjustment_new(project=project, billed=billed, kind=InvoiceKind.FEE_CREDIT, lines=lines)
    InvoiceLine.objects.bulk_create(_line_rows(invoice=credit, lines=lines, billed=billed, why=why))
    credit = invoice_for_print(invoice_id=credit.pk)
    invoice_issue_prepared(
        invoice=credit, issuer=issuer, issue_date=clock.today(), actor=actor, now=clock.now()
    )
    audit_record(
        actor=actor,
        action="invoice.fee_credit_issued",
        subject=live,
        summary=gettext_noop(
            "工期の変更により、請求書 %(number)s を返還請求書 %(credit)s で減額しました（%(total)s円）"
        ),
        summary_params={"number": live.number, "credit": credit.number, "total": f"{credit.total:,}"},
        data={"fee_credit_id": credit.pk, "total": credit.total, **why},
    )
    invoice_paid_amounts_add(deltas={live.pk: -credit.total})  # offset against the invoice (相殺)
    settled = Invoice.objects.with_amount_paid().get(pk=live.pk)
    if settled.status in OPEN_STATUSES and settled.amount_paid >= settled.total:
        invoice_paid(invoice=settled, actor=actor)
    return credit
