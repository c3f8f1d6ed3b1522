"""Invoices that may be what an unmatched payment pays, for the billing agent to match in one click
(through ``payment_allocate``, the one matching service).

A candidate is an unpaid invoice or additional invoice that the payment names (its number or the
customer code in the EDI / payer name / payer code), whose balance is the payment's amount, or whose
payer kana resembles the payment's. They are ranked by those signs and each says why it is shown.
Reads two queries whatever the number of invoices (the candidates are bounded in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.db.models import F, Q
from django.utils.translation import gettext as _

from calsreg.billing.models import Invoice, Payment
from calsreg.billing.models.invoices import OPEN_STATUSES, PAYABLE_KINDS
from calsreg.billing.services.payments import payment_references
from calsreg.billing.zengin import normalise_payer_name

CANDIDATES_READ = 200  # read at most this many candidates (ordered oldest first) before ranking
SIMILAR_NAME = 0.6  # SequenceMatcher ratio from which two payer keys count as alike
NAME_STEM = 3  # the first characters of the payer key a candidate's kana must contain


@dataclass
class Suggestion:
    invoice: Invoice
    balance: int  # yen still owed on it
    amount: int  # what one click allocates: the balance, or what is left of the payment
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def invoice_suggestions(*, payment: Payment, remaining: int, limit: int = 5) -> list[Suggestion]:
    """Up to ``limit`` invoices ``payment`` may pay, best first; ``remaining`` is its unplaced yen."""
    if remaining <= 0 or payment.is_cancellation:
        return []
    numbers, customers = payment_references(payment)
    stem = payment.payer_kana[:NAME_STEM]
    signs = Q(owed=remaining) | Q(number__in=numbers) | Q(customer_code__in=customers)
    if stem:
        signs |= Q(payer_kana__contains=stem)
    candidates = (
        Invoice.objects.filter(kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)
        .select_related("project")
        .with_amount_paid()
        .annotate(owed=F("total") - F("paid_amount"))
        .filter(signs, owed__gt=0)
        .order_by("run_month", "number")[:CANDIDATES_READ]
    )
    suggestions = [_ranked(invoice, payment, remaining, numbers, customers) for invoice in candidates]
    shown = [s for s in suggestions if s.reasons]
    return sorted(shown, key=lambda s: (-s.score, s.invoice.number or ""))[:limit]


def _ranked(
    invoice: Invoice, payment: Payment, remaining: int, numbers: list[str], customers: list[str]
) -> Suggestion:
    balance = int(invoice.owed)  # type: ignore[attr-defined]  # annotated above
    suggestion = Suggestion(invoice=invoice, balance=balance, amount=min(balance, remaining))
    if invoice.number in numbers or invoice.customer_code in customers:
        suggestion.score += 3
        suggestion.reasons.append(_("請求書番号またはお客様番号が振込の情報にあります"))
    if balance == remaining:
        suggestion.score += 2
        suggestion.reasons.append(_("金額が未入金額と一致します"))
    similarity = SequenceMatcher(None, payment.payer_kana, normalise_payer_name(invoice.payer_kana)).ratio()
    if payment.payer_kana and similarity >= SIMILAR_NAME:
        suggestion.score += similarity
        suggestion.reasons.append(
            _("振込依頼人名が似ています（一致度 %(percent)s%%）") % {"percent": round(similarity * 100)}
        )
    return suggestion
