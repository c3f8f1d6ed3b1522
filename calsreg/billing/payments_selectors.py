"""Reads of the payments side: the agent's unmatched queue, imports with their results, allocations.

An invoice's paid amount is the invoice side's: ``Invoice.amount_paid`` or
``Invoice.objects.with_amount_paid()`` (Σ ``PaymentAllocation.amount``, bank-fee shortfalls included).
A payment's allocated cash is Σ (``amount`` − ``fee_shortfall``): what actually came from it.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from calsreg.billing.models import Payment, PaymentAllocation, PaymentImport
from calsreg.billing.models.payments import QUEUE_STATUSES


def payments_with_allocated() -> QuerySet[Payment]:
    """Payments annotated with ``allocated`` (cash placed on invoices) and ``unallocated`` (yen)."""
    allocated = Coalesce(
        Sum(F("allocations__amount") - F("allocations__fee_shortfall")),
        Value(0),
        output_field=BigIntegerField(),
    )
    return Payment.objects.annotate(allocated=allocated).annotate(unallocated=F("amount") - F("allocated"))


def payments_unmatched() -> QuerySet[Payment]:
    """The agent's queue: payments with something left to place (none of it, or the surplus of an
    over-payment), and bank cancellations waiting for the agent; oldest first."""
    return (
        payments_with_allocated()
        .filter(status__in=QUEUE_STATUSES)
        .select_related("payment_import")
        .order_by("received_on", "id")
    )


def payment_allocated_cash(*, payment: Payment) -> int:
    """Yen of ``payment`` already placed on invoices (excluding accepted bank-fee shortfalls)."""
    total = PaymentAllocation.objects.filter(payment=payment).aggregate(
        cash=Coalesce(Sum(F("amount") - F("fee_shortfall")), Value(0), output_field=BigIntegerField())
    )["cash"]
    return int(total)


def payment_imports_recent(*, limit: int = 50) -> QuerySet[PaymentImport]:
    return PaymentImport.objects.select_related("evidence").order_by("-imported_at", "-id")[:limit]


def payments_of_import(*, payment_import: PaymentImport) -> QuerySet[Payment]:
    """An import's payments in file order, with their allocations and invoices (for the results page)."""
    return (
        payments_with_allocated()
        .filter(payment_import=payment_import)
        .prefetch_related("allocations__invoice")
        .order_by("line", "id")
    )


def allocations_of_invoice(*, invoice_id: int) -> QuerySet[PaymentAllocation]:
    return (
        PaymentAllocation.objects.filter(invoice_id=invoice_id)
        .select_related("payment")
        .order_by("created_at", "id")
    )
