"""Corrections: void with a credit note, and the reissue of a lost invoice.

What was issued is never altered (a qualified invoice, once delivered, is corrected by issuing a
document that refers to it): voiding issues a credit note — an invoice of kind ``credit_note`` with
the same lines negated, its own number series and a PDF — and a lost invoice is replaced by a copy
of the original marked 「再発行」, with the same number and figures.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.billing.errors import InvoiceNotOpen
from calsreg.billing.invoice_actions import InvoiceAction, invoice_action_applies
from calsreg.billing.models import (
    DocumentKind,
    Invoice,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from calsreg.billing.selectors import invoice_for_print, issuer_active
from calsreg.billing.services.documents import invoice_document_store
from calsreg.billing.services.runs import invoice_issue_prepared
from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.records.services import Actor, audit_record


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str, actor: Actor) -> Invoice:
    """Void ``invoice`` (an invoice or an additional invoice); for an issued one, issue and return its
    credit note (a draft returns itself).

    Raises InvoiceNotOpen for a paid or partly paid invoice (the payment must be reallocated or
    refunded first), a credit note, an invoice already void, or an invoice with adjustments for a
    change of the construction period (an additional invoice not void, or a fee credit: a new draft
    would charge the new period again on top of them); DomainError without a reason.
    """
    if not reason.strip():
        raise DomainError(_("取消の理由を入力してください。"))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice_action_applies(invoice=invoice, action=InvoiceAction.VOID):
        raise InvoiceNotOpen(
            _("この請求書は取り消せません（状態: %(status)s）。") % {"status": invoice.get_status_display()}
        )
    if invoice.adjustments.exclude(status=InvoiceStatus.VOID).exists():
        raise InvoiceNotOpen(
            _(
                "工期の変更による追加請求書または返還請求書があるため、この請求書は取り消せません。"
                "追加請求書は先に取り消してください。返還請求書がある場合は再発行で対応してください。"
            )
        )
    if invoice.amount_paid:
        raise InvoiceNotOpen(
            _("入金（%(paid)s円）が消し込まれているため取り消せません。先に入金の消込を解除してください。")
            % {"paid": f"{invoice.amount_paid:,}"}
        )
    now = clock.now()
    was_draft = invoice.status == InvoiceStatus.DRAFT
    invoice.transition_to(InvoiceStatus.VOID)
    invoice.voided_at = now
    invoice.void_reason = reason.strip()[:200]
    invoice.save(update_fields=["status", "voided_at", "void_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="invoice.voided",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s を取り消しました（理由: %(reason)s）"),
        summary_params={"number": invoice.number or "-", "reason": invoice.void_reason},
        at=now,
    )
    if was_draft:
        return invoice
    return _credit_note_issue(invoice=invoice, actor=actor)


def _credit_note_issue(*, invoice: Invoice, actor: Actor) -> Invoice:
    credit = Invoice.objects.create(
        kind=InvoiceKind.CREDIT_NOTE,
        status=InvoiceStatus.DRAFT,
        project_id=invoice.project_id,
        credited_invoice=invoice,
        fee_plan_id=invoice.fee_plan_id,
        billing_addressee=invoice.billing_addressee,
        billing_department=invoice.billing_department,
        billing_postcode=invoice.billing_postcode,
        billing_address=invoice.billing_address,
        billing_phone=invoice.billing_phone,
        honorific=invoice.honorific,
        payer_kana=invoice.payer_kana,
        customer_code=invoice.customer_code,
        transaction_date=invoice.transaction_date,
        run_month=invoice.run_month,
        subtotal=-invoice.subtotal,
        tax=-invoice.tax,
        total=-invoice.total,
        tax_breakdown=[
            {"rate": part["rate"], "taxable": -part["taxable"], "tax": -part["tax"]}
            for part in invoice.tax_breakdown
        ],
    )
    with translation.override("ja"):  # a Japanese tax document whatever the actor's language
        prefix = _("（取消）")
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=credit,
            position=line.position,
            description=f"{prefix}{line.description}"[:200],
            quantity=line.quantity,
            unit=line.unit,
            unit_price=-line.unit_price,
            amount=-line.amount,
            tax_rate_percent=line.tax_rate_percent,
            explanation={
                "rule": "credit_note",
                "credited_invoice": invoice.number,
                "credited_line": line.position,
            },
        )
        for line in invoice.lines.all()
    )
    credit = invoice_for_print(invoice_id=credit.pk)
    invoice_issue_prepared(
        invoice=credit, issuer=issuer_active(), issue_date=clock.today(), actor=actor, now=clock.now()
    )
    return credit


@transaction.atomic
def invoice_reissue(*, invoice: Invoice, reason: str, actor: Actor) -> InvoiceDocument:
    """Make a copy of an issued invoice marked 「再発行」 (a lost invoice); same number and figures.

    Raises InvoiceNotOpen for a draft or a void invoice.
    """
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice_action_applies(invoice=invoice, action=InvoiceAction.REISSUE):
        raise InvoiceNotOpen(_("発行前または取消済みの請求書は再発行できません。"))
    invoice = invoice_for_print(invoice_id=invoice.pk)
    now = clock.now()
    document = invoice_document_store(
        invoice=invoice, kind=DocumentKind.REISSUE, actor=actor, now=now, reissued_on=clock.today()
    )
    audit_record(
        actor=actor,
        action="invoice.reissued",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s を再発行しました（理由: %(reason)s）"),
        summary_params={"number": invoice.number, "reason": reason.strip()[:200]},
        data={"document_id": document.pk, "sha256": document.sha256},
        at=now,
    )
    return document
