"""Allocation writes: the agent's allocate and remove, and the batch writer automatic matching uses.

Every change of allocations moves ``Invoice.amount_paid`` (Σ allocations + fee credits) in the same
transaction, so receivables and matching read one column instead of summing allocations; an invoice
the allocations cover is marked paid through ``invoice_paid``/``invoices_paid`` (calsreg/billing/
services/dunning.py, which also reinstates a suspended project).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Case, F, OuterRef, Q, Subquery, Sum, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.billing.models import (
    OPEN_STATUSES,
    PAYABLE_KINDS,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    MatchRule,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from calsreg.billing.models.invoices import _sum_per_invoice
from calsreg.billing.payments_selectors import payment_allocated_cash
from calsreg.billing.services.dunning import invoices_paid
from calsreg.core import clock
from calsreg.core.errors import Conflict, DomainError
from calsreg.records.services import Actor, AuditEntry, audit_record, audit_record_many

UPDATE_CHUNK = 300  # ids per UPDATE … CASE: three parameters each, under SQLite's old 999-parameter limit


@dataclass(frozen=True)
class NewAllocation:
    """``cash`` yen of ``payment`` placed on ``invoice``, plus an accepted bank-fee ``shortfall``."""

    payment: Payment
    invoice: Invoice
    cash: int
    shortfall: int
    rule: str
    explanation: dict[str, Any]


def is_fee(shortfall: int, cash: int) -> bool:
    """A shortfall that is the payer's deducted bank fee: within the tolerance, and smaller than what
    did come (so a few hundred yen never settle a large invoice)."""
    return 0 < shortfall <= settings.PAYMENT_FEE_TOLERANCE_YEN and shortfall < cash


def settles(amount: int, balance: int) -> bool:
    return amount == balance or (amount < balance and is_fee(balance - amount, amount))


def status_for(payment: Payment, cash: int) -> str:
    """The status for ``cash`` yen of the payment allocated."""
    if cash >= payment.amount:
        return PaymentStatus.MATCHED
    return PaymentStatus.PARTIALLY_MATCHED if cash else PaymentStatus.UNMATCHED


def allocations_write(
    *, rows: Sequence[NewAllocation], actor: Actor, now: datetime
) -> list[PaymentAllocation]:
    """Write ``rows`` with a constant number of statements whatever their count: the allocations in one
    INSERT, the invoices' paid amounts in one UPDATE, the audit in one INSERT, and the invoices now
    covered marked paid. The caller holds the locks on the payments and invoices (matching's order)."""
    if not rows:
        return []
    allocations = PaymentAllocation.objects.bulk_create(
        [
            PaymentAllocation(
                payment=row.payment,
                invoice=row.invoice,
                amount=row.cash + row.shortfall,
                fee_shortfall=row.shortfall,
                rule=row.rule,
                explanation={**row.explanation, "shortfall": row.shortfall}
                if row.shortfall
                else row.explanation,
                created_at=now,
                created_by=actor.user,
                created_by_label=actor.label[:200],
            )
            for row in rows
        ]
    )
    _paid_amounts_add_allocations(allocations)
    audit_record_many(
        actor=actor,
        at=now,
        entries=[_allocated_entry(row, a) for row, a in zip(rows, allocations, strict=True)],
    )
    invoice_ids = sorted({allocation.invoice_id for allocation in allocations})
    covered = Invoice.objects.filter(
        pk__in=invoice_ids, status__in=OPEN_STATUSES, amount_paid__gte=F("total")
    )
    invoices_paid(invoice_ids=list(covered.values_list("pk", flat=True)), actor=actor, now=now)
    return allocations


def _allocated_entry(row: NewAllocation, allocation: PaymentAllocation) -> AuditEntry:
    return AuditEntry(
        action="payment.allocated",
        subject=row.invoice,
        summary=gettext_noop(
            "入金 %(cash)s円（%(payer)s、%(received_on)s）を請求書 %(number)s に充当しました"
            "（%(rule)s、振込手数料差引 %(shortfall)s円）"
        ),
        summary_params={
            "cash": f"{row.cash:,}",
            "payer": row.payment.payer_name,
            "received_on": row.payment.received_on.isoformat(),
            "number": row.invoice.number,
            "rule": str(MatchRule(row.rule).label),
            "shortfall": f"{row.shortfall:,}",
        },
        data={"payment_id": row.payment.pk, "allocation_id": allocation.pk, "amount": allocation.amount},
    )


def _paid_amounts_add_allocations(allocations: Sequence[PaymentAllocation]) -> None:
    """Add these new allocations to their invoices' ``amount_paid``: one UPDATE whose correlated sum
    reads only the new rows (a CASE of hundreds of literals costs Django more to build than to run)."""
    by_invoice: dict[int, list[int]] = {}
    for allocation in allocations:
        by_invoice.setdefault(allocation.invoice_id, []).append(allocation.pk)
    invoice_ids = sorted(by_invoice)
    for start in range(0, len(invoice_ids), UPDATE_CHUNK):
        chunk = invoice_ids[start : start + UPDATE_CHUNK]
        added = (
            PaymentAllocation.objects.filter(
                pk__in=[pk for i in chunk for pk in by_invoice[i]], invoice=OuterRef("pk")
            )
            .order_by()
            .values("invoice")
            .annotate(sum=Sum("amount"))
            .values("sum")
        )
        Invoice.objects.filter(pk__in=chunk).update(amount_paid=F("amount_paid") + Subquery(added))


def invoice_paid_amounts_add(*, deltas: Mapping[int, int]) -> None:
    """Add ``deltas`` (invoice id → yen) to the invoices' stored ``amount_paid``: one UPDATE per
    ``UPDATE_CHUNK`` invoices. Called by every writer of allocations and fee credits, in its
    transaction."""
    ids = sorted(pk for pk, delta in deltas.items() if delta)
    for start in range(0, len(ids), UPDATE_CHUNK):
        chunk = ids[start : start + UPDATE_CHUNK]
        if len(chunk) == 1:
            change: Any = Value(deltas[chunk[0]])
        else:
            change = Case(
                *[When(pk=pk, then=Value(deltas[pk])) for pk in chunk],
                default=Value(0),
                output_field=BigIntegerField(),
            )
        Invoice.objects.filter(pk__in=chunk).update(amount_paid=F("amount_paid") + change)


@transaction.atomic
def invoice_paid_amounts_rebuild() -> int:
    """Recompute every invoice's stored ``amount_paid`` from its allocations and fee credits (after a
    restore, or to check the figure); returns how many were wrong. Two statements."""
    allocated = _sum_per_invoice(PaymentAllocation.objects.all(), link="invoice", column="amount")
    credited = _sum_per_invoice(
        Invoice.objects.filter(kind=InvoiceKind.FEE_CREDIT).exclude(status=InvoiceStatus.VOID),
        link="adjusted_invoice",
        column="total",
        negate=True,
    )
    return (
        Invoice.objects.annotate(figure=allocated + credited)
        .filter(~Q(amount_paid=F("figure")))
        .update(amount_paid=allocated + credited)
    )


@transaction.atomic
def payment_allocate(*, payment: Payment, invoice: Invoice, amount: int, actor: Actor) -> PaymentAllocation:
    """The agent allocates ``amount`` yen of ``payment`` to ``invoice`` (from the unmatched queue).

    When ``amount`` is all that is left of the payment and leaves the invoice short by no more than the
    fee tolerance, the invoice is settled and the shortfall recorded, as automatic matching does.
    Raises ``DomainError`` (amount beyond what is left of the payment or owed on the invoice; ignored
    payment or cancellation), ``Conflict`` (already allocated to this invoice; the invoice not open).
    """
    now = clock.now()
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if payment.status == PaymentStatus.IGNORED or payment.is_cancellation:
        raise DomainError(_("この入金（対象外または取消通知）は充当できません。"))
    if invoice.kind not in PAYABLE_KINDS or invoice.status not in OPEN_STATUSES:
        raise Conflict(
            _("請求書 %(number)s は「%(status)s」のため充当できません。")
            % {"number": invoice.number or "-", "status": invoice.get_status_display()}
        )
    if PaymentAllocation.objects.filter(payment=payment, invoice=invoice).exists():
        raise Conflict(
            _("この入金はすでにこの請求書に充当されています。充当を解除してから充当し直してください。")
        )
    remaining = payment.amount - payment_allocated_cash(payment=payment)
    balance = invoice.total - invoice.amount_paid
    if not 0 < amount <= min(remaining, balance):
        raise DomainError(
            _("充当額は1円以上、入金の残り（%(remaining)s円）と請求書の未入金額（%(balance)s円）以下です。")
            % {"remaining": f"{remaining:,}", "balance": f"{balance:,}"}
        )
    shortfall = balance - amount if amount == remaining and is_fee(balance - amount, amount) else 0
    row = NewAllocation(
        payment=payment,
        invoice=invoice,
        cash=amount,
        shortfall=shortfall,
        rule=MatchRule.MANUAL,
        explanation={},
    )
    [allocation] = allocations_write(rows=[row], actor=actor, now=now)
    _refresh_status(payment)
    payment.save(update_fields=["status", "match_detail", "updated_at"])
    return allocation


def _refresh_status(payment: Payment) -> None:
    payment.status = status_for(payment, payment_allocated_cash(payment=payment))
    if payment.status == PaymentStatus.MATCHED:
        payment.match_detail = {}


@transaction.atomic
def payment_allocation_remove(*, allocation: PaymentAllocation, reason: str, actor: Actor) -> Payment:
    """Take an allocation back (wrong match, bank cancellation, before voiding an invoice); an invoice
    that was paid returns to posted (or issued). Raises ``DomainError`` without a reason."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("充当を解除する理由を入力してください。"))
    allocation = PaymentAllocation.objects.get(pk=allocation.pk)
    # The global lock order: payment, then invoice (see matching.py).
    payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
    invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
    amount = allocation.amount
    details = {"amount": amount, "fee_shortfall": allocation.fee_shortfall, "rule": allocation.rule}
    # Deleted under the locks: a second removal of the same allocation (a double click, two agents)
    # finds nothing and changes nothing, so the stored paid amount is never taken down twice.
    if not PaymentAllocation.objects.filter(pk=allocation.pk).delete()[0]:
        raise Conflict(_("この充当はすでに解除されています。"))
    invoice_paid_amounts_add(deltas={invoice.pk: -amount})
    invoice.amount_paid -= amount
    if invoice.status == InvoiceStatus.PAID and invoice.amount_paid < invoice.total:
        invoice.transition_to(InvoiceStatus.POSTED if invoice.posted_on else InvoiceStatus.ISSUED)
        invoice.save(update_fields=["status", "updated_at"])
    if payment.status != PaymentStatus.IGNORED:
        _refresh_status(payment)
        payment.save(update_fields=["status", "match_detail", "updated_at"])
    audit_record(
        actor=actor,
        action="payment.allocation_removed",
        subject=invoice,
        summary=gettext_noop(
            "請求書 %(number)s への入金 %(amount)s円の充当を解除しました（理由: %(reason)s）"
        ),
        summary_params={"number": invoice.number, "amount": f"{amount:,}", "reason": reason[:200]},
        data={"payment_id": payment.pk, **details},
    )
    return payment
