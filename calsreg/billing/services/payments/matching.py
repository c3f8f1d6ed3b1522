"""Matching transfers to unpaid invoices (``payments_match``, run after every import and manual entry).

In this order:

1. **Code.** An invoice number (2026-000123) or customer code (C00000123) found in the EDI field or
   the payer's name (payers often type their customer code before it), or the digits of a customer
   code in the numeric 振込依頼人コード when the payer's name agrees → those invoices, then that
   customer's other unpaid invoices, oldest due date first; one transfer may pay several.
2. **Amount + name.** Otherwise, unpaid invoices whose stored payer key (``Invoice.payer_key``, the
   normalised kana name, ``zengin/names.py``) is the payer name's key and whose balance — or the sum
   of several of them, same company — the amount settles.

"Settles" allows for the bank fee: a transfer short by at most ``settings.PAYMENT_FEE_TOLERANCE_YEN``
pays the invoice in full and the shortfall is recorded on the allocation. Under the code rule a larger
shortfall is a partial payment (what came is allocated) and a surplus stays unallocated; the name rule
never guesses — an amount that fits nothing, or fits several companies, waits in the agent's queue.

At scale: a batch's candidates are found by one indexed lookup for the numbers, codes and payer keys
its transfers name (never by reading every open invoice), locked in that statement, and its
allocations, paid amounts, paid statuses and audit rows are written set-based (``allocations_write``):
a constant number of statements per batch, not per transfer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from calsreg.accounts.models import Project
from calsreg.billing.models import (
    OPEN_STATUSES,
    PAYABLE_KINDS,
    Invoice,
    MatchRule,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from calsreg.billing.models.payments import QUEUE_STATUSES
from calsreg.billing.numbering import CUSTOMER_CODE_DIGITS, CUSTOMER_CODE_PREFIX
from calsreg.billing.services.payments.allocations import (
    NewAllocation,
    allocations_write,
    is_fee,
    settles,
    status_for,
)
from calsreg.billing.zengin.names import normalise_payer_name
from calsreg.core import clock
from calsreg.records.services import Actor

_INVOICE_NUMBER_RE = re.compile(r"(?<![0-9A-Z])(\d{4})-?(\d{6})(?!\d)")
_CUSTOMER_CODE_RE = re.compile(rf"(?<![0-9A-Z]){CUSTOMER_CODE_PREFIX}(\d{{{CUSTOMER_CODE_DIGITS}}})(?!\d)")
UPDATE_CHUNK = 900  # ids per UPDATE … WHERE id IN (…): under SQLite's old 999-parameter limit
MAX_SUBSET_INVOICES = 8  # beyond this many open invoices of one payer, only oldest-first sums are tried


@dataclass
class _Open:
    """An unpaid invoice as the matcher sees it; ``balance`` falls as this run allocates."""

    invoice: Invoice
    balance: int

    @property
    def order(self) -> tuple[Any, ...]:
        invoice = self.invoice
        return (
            invoice.due_on is None,
            invoice.due_on or date.max,
            invoice.issue_date or date.max,
            invoice.pk,
        )


@dataclass(frozen=True)
class _Plan:
    rule: str
    invoices: list[_Open]  # in the order to pay them
    explanation: dict[str, Any]


@transaction.atomic
def payments_match(*, payments: Iterable[Payment], actor: Actor) -> list[Payment]:
    """Match ``payments`` (those with something left to place) to unpaid invoices; see the module
    docstring for the rules. Each payment's status and ``match_detail`` are updated and saved.

    Callers pass a few payments (a manual entry) or one batch of an import
    (``settings.PAYMENT_MATCH_BATCH``): the locks below are held until the caller's transaction ends.
    """
    given = [payment for payment in payments if payment.pk]
    fresh = {payment.pk: payment for payment in payments_locked([payment.pk for payment in given])}
    for payment in given:  # what another transaction committed before the lock counts, not a stale copy
        payment.status, payment.match_detail = fresh[payment.pk].status, fresh[payment.pk].match_detail
    return match_locked(payments=given, actor=actor)


def payments_locked(ids: list[int]) -> list[Payment]:
    """Lock payments in primary-key order (see ``_Candidates`` for the global order)."""
    locked: list[Payment] = []
    for chunk in _chunks(sorted(ids)):
        locked += Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    return locked


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), UPDATE_CHUNK):
        yield ids[start : start + UPDATE_CHUNK]


def match_locked(*, payments: list[Payment], actor: Actor) -> list[Payment]:
    todo = sorted(
        (p for p in payments if p.status in QUEUE_STATUSES and not p.is_cancellation),
        key=lambda p: (p.received_on, p.line or 0, p.pk),
    )
    if not todo:
        return []
    now = clock.now()
    book = _Candidates(todo)
    placed = _cash_placed([p.pk for p in todo if p.status != PaymentStatus.UNMATCHED])
    rows: list[NewAllocation] = []
    changed: list[Payment] = []
    for payment in todo:
        # An unmatched payment has no allocations (the status is kept in step with them).
        cash = placed.get(payment.pk, 0)
        remaining = payment.amount - cash
        plan, detail = book.plan_for(payment, remaining)
        if plan is not None:
            for item, part, shortfall in _split(remaining, plan.invoices):
                rows.append(
                    NewAllocation(payment, item.invoice, part, shortfall, plan.rule, plan.explanation)
                )
                item.balance -= part + shortfall
                cash += part
        status = status_for(payment, cash)
        if (status, detail) != (payment.status, payment.match_detail):
            payment.status, payment.match_detail, payment.updated_at = status, detail, now
            changed.append(payment)
    allocations_write(rows=rows, actor=actor, now=now)
    _save_outcomes(changed, now=now)
    return todo


def _cash_placed(payment_ids: list[int]) -> dict[int, int]:
    """Cash already allocated from each of these (partly matched) payments: one grouped query."""
    if not payment_ids:
        return {}
    rows = (
        PaymentAllocation.objects.filter(payment_id__in=payment_ids)
        .order_by()
        .values("payment_id")
        .annotate(
            cash=Coalesce(Sum(F("amount") - F("fee_shortfall")), Value(0), output_field=BigIntegerField())
        )
    )
    return {row["payment_id"]: int(row["cash"]) for row in rows}


def _save_outcomes(payments: list[Payment], *, now: datetime) -> None:
    """Save status and detail with one UPDATE per distinct outcome: an import of a hundred thousand
    transfers has a handful of outcomes ("no candidate" for most), and per-row updates would take minutes."""
    groups: dict[tuple[str, str], list[int]] = {}
    for payment in payments:
        key = (payment.status, json.dumps(payment.match_detail, sort_keys=True))
        groups.setdefault(key, []).append(payment.pk)
    for (status, detail), ids in groups.items():
        for chunk in _chunks(ids):
            Payment.objects.filter(pk__in=chunk).update(
                status=status, match_detail=json.loads(detail), updated_at=now
            )


def _split(remaining: int, invoices: Sequence[_Open]) -> list[tuple[_Open, int, int]]:
    """(invoice, cash, fee shortfall) paying ``invoices`` in order with ``remaining`` yen."""
    parts: list[tuple[_Open, int, int]] = []
    for item in invoices:
        if remaining <= 0:
            break
        if item.balance <= 0:
            continue
        if remaining >= item.balance:
            parts.append((item, item.balance, 0))
        elif is_fee(item.balance - remaining, remaining):
            parts.append((item, remaining, item.balance - remaining))
        else:
            parts.append((item, remaining, 0))  # partial payment
        remaining -= parts[-1][1]
    return parts


@dataclass
class _Names:
    """What a batch of transfers names: invoice numbers (no hyphen), customer codes, payer keys."""

    numbers: set[str] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)
    # (payer key, numbers, customer codes written) of each transfer: whether it may reach the name rule
    written: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    def add(self, payment: Payment) -> None:
        numbers, customers = _codes_in(payment)
        self.numbers.update(numbers)
        self.customers.update(customers)
        from_payer_code = _customer_of_payer_code(payment.payer_code)
        if from_payer_code:
            self.customers.add(from_payer_code)
        if payment.payer_kana:
            self.written.append((payment.payer_kana, numbers, customers))


class _Candidates:
    """The open invoices a batch's transfers may pay, found and locked by one indexed lookup.

    Why this cannot deadlock: every writer of payments takes its row locks in one global order —
    payments, then invoices, then projects, each class in primary-key order — and takes none
    after it started allocating: the caller locked the payments (``payments_locked``); here every
    invoice the batch may pay is locked in the one statement that reads it, in ascending id order,
    then their projects (``invoices_paid`` reinstates a suspended project: already held). Two imports
    whose transfers pay the same invoices in opposite orders therefore wait for each other at the
    first shared invoice; the agent's ``payment_allocate`` locks one payment then one invoice, the same
    order. The lock also re-reads status and ``amount_paid`` as committed by whoever held it before.
    """

    def __init__(self, payments: list[Payment]) -> None:
        names = _Names()
        for payment in payments:
            names.add(payment)
        self._names = names
        self._known: tuple[set[str], set[str]] | None = None
        # The name rule is reached only by a transfer that writes no code, or only codes we never
        # issued (a known code that owes nothing stops at "code_not_open"): only those payers'
        # invoices are read, not those of every payer in the batch (a big contractor owes thousands).
        payer_keys = sorted(
            {key for key, numbers, customers in names.written if not self._is_known(numbers, customers)}
        )
        wanted = Q(payer_key__in=payer_keys) if payer_keys else Q(pk__in=[])
        if names.numbers:
            wanted |= Q(number__in=sorted(_hyphenated(n) for n in names.numbers))
        if names.customers:
            wanted |= Q(customer_code__in=sorted(names.customers))
        invoices = list(
            Invoice.objects.select_for_update(of=("self",))
            .filter(wanted, kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)
            .select_related("project")
            .only(*_FIELDS)
            .order_by("pk")
        )
        project_ids = sorted({invoice.project_id for invoice in invoices})
        for chunk in _chunks(project_ids):
            list(Project.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        items = sorted(
            (_Open(invoice, invoice.total - invoice.amount_paid) for invoice in invoices),
            key=lambda i: i.order,
        )
        self.by_number: dict[str, _Open] = {}
        self.by_customer: dict[str, list[_Open]] = {}
        self.by_payer: dict[str, list[_Open]] = {}
        for item in items:
            invoice = item.invoice
            if invoice.number:
                self.by_number[invoice.number.replace("-", "")] = item
            self.by_customer.setdefault(invoice.customer_code, []).append(item)
            if invoice.payer_key:
                self.by_payer.setdefault(invoice.payer_key, []).append(item)

    def plan_for(self, payment: Payment, remaining: int) -> tuple[_Plan | None, dict[str, Any]]:
        numbers, customers = _codes_in(payment)
        from_payer_code = _customer_of_payer_code(payment.payer_code)
        if (
            from_payer_code
            and from_payer_code not in customers
            and self._corroborated(from_payer_code, payment)
        ):
            customers.append(from_payer_code)
        if numbers or customers:
            chosen = sorted(
                (self.by_number[n] for n in numbers if n in self.by_number), key=lambda i: i.order
            )
            for code in customers:
                chosen += [item for item in self.by_customer.get(code, []) if item not in chosen]
            chosen = [item for item in chosen if item.balance > 0]
            if chosen:
                tokens = {"invoice_numbers": numbers, "customer_codes": customers}
                return _Plan(MatchRule.CODE, chosen, tokens), self._detail_after(remaining, chosen)
            if self._is_known(numbers, customers):
                # The code is ours but nothing under it is owed: a second payment, or a paid invoice.
                return None, {
                    "reason": "code_not_open",
                    "invoice_numbers": numbers,
                    "customer_codes": customers,
                }
        candidates = [item for item in self.by_payer.get(payment.payer_kana, []) if item.balance > 0]
        if not candidates:
            return None, {"reason": "no_candidate"}
        fits = _amount_fits(remaining, candidates)
        if len(fits) == 1:
            [invoices] = fits
            explanation = {"payer_key": payment.payer_kana}
            return _Plan(MatchRule.AMOUNT_NAME, invoices, explanation), {}
        reason = "ambiguous" if fits else "amount_mismatch"
        return None, {"reason": reason, "candidates": [item.invoice.pk for item in candidates]}

    def _corroborated(self, customer_code: str, payment: Payment) -> bool:
        """Digits alone may be the payer's own code for itself, not ours: a numeric payer code counts
        as our customer code only if that customer's kana name is the payer's."""
        return any(
            item.invoice.payer_key == payment.payer_kana for item in self.by_customer.get(customer_code, [])
        )

    @staticmethod
    def _detail_after(remaining: int, chosen: list[_Open]) -> dict[str, Any]:
        owed = sum(item.balance for item in chosen)
        return {"reason": "overpaid", "surplus": remaining - owed} if remaining > owed else {}

    def _is_known(self, numbers: list[str], customers: list[str]) -> bool:
        """Any invoice (open or not) has one of these numbers or codes: read once per batch, when a
        transfer first needs it."""
        if not numbers and not customers:
            return False
        if self._known is None:
            names = self._names
            rows = Invoice.objects.filter(
                Q(customer_code__in=sorted(names.customers))
                | Q(number__in=sorted(_hyphenated(n) for n in names.numbers))
            ).values_list("number", "customer_code")
            known_numbers: set[str] = set()
            known_customers: set[str] = set()
            for number, customer in rows.distinct():
                if number:
                    known_numbers.add(number.replace("-", ""))
                known_customers.add(customer)
            self._known = (known_numbers, known_customers)
        known_numbers, known_customers = self._known
        return any(n in known_numbers for n in numbers) or any(c in known_customers for c in customers)


# What matching reads of an invoice and its project (the locked statement reads no more).
_FIELDS = (
    "pk",
    "kind",
    "status",
    "number",
    "customer_code",
    "payer_key",
    "total",
    "amount_paid",
    "due_on",
    "issue_date",
    "project_id",
    "project__contractor_name",
)


def _hyphenated(number: str) -> str:
    return f"{number[:4]}-{number[4:]}"


def _codes_in(payment: Payment) -> tuple[list[str], list[str]]:
    """Invoice numbers (without hyphen) and customer codes written in the payment's fields."""
    text = " ".join(
        unicodedata.normalize("NFKC", value).upper() for value in (payment.edi, payment.payer_name)
    )
    numbers = list(dict.fromkeys(a + b for a, b in _INVOICE_NUMBER_RE.findall(text)))
    customers = [CUSTOMER_CODE_PREFIX + digits for digits in _CUSTOMER_CODE_RE.findall(text)]
    return numbers, list(dict.fromkeys(customers))


def _customer_of_payer_code(payer_code: str) -> str | None:
    """The Zengin payer code is numeric (N(10)): payers put the digits of our customer code there."""
    if payer_code.isdigit() and 0 < int(payer_code) < 10**CUSTOMER_CODE_DIGITS:
        return f"{CUSTOMER_CODE_PREFIX}{int(payer_code):0{CUSTOMER_CODE_DIGITS}d}"
    return None


def _amount_fits(amount: int, candidates: list[_Open]) -> list[list[_Open]]:
    """The sets of one company's unpaid invoices that ``amount`` settles: a single invoice (the oldest
    if several are equal), else the oldest-first run, else any unique combination of a few."""
    companies: dict[str, list[_Open]] = {}
    for item in candidates:
        # Same kana, different registered name = different companies (ヤマダケンセツ is common).
        companies.setdefault(item.invoice.project.contractor_name, []).append(item)
    fits: list[list[_Open]] = []
    for items in companies.values():
        single = [item for item in items if settles(amount, item.balance)]
        if single:
            fits.append([single[0]])
            continue
        running = 0
        found = None
        for count, item in enumerate(items, start=1):
            running += item.balance
            if count > 1 and settles(amount, running):
                found = items[:count]
                break
        if found is None and len(items) <= MAX_SUBSET_INVOICES:
            subsets = [
                list(subset)
                for size in range(2, len(items) + 1)
                for subset in combinations(items, size)
                if settles(amount, sum(item.balance for item in subset))
            ]
            found = subsets[0] if len(subsets) == 1 else None
        if found:
            fits.append(found)
    return fits


def payment_references(payment: Payment) -> tuple[list[str], list[str]]:
    """The invoice numbers (2026-000123) and customer codes a payment names in its EDI, payer name
    or payer code — what the matching reads, for the agent's suggestions."""
    numbers, customers = _codes_in(payment)
    from_payer_code = _customer_of_payer_code(payment.payer_code)
    if from_payer_code:
        customers = list(dict.fromkeys([*customers, from_payer_code]))
    return [_hyphenated(number) for number in numbers], customers


def invoice_payer_keys_rebuild() -> int:
    """Fill the matching key of invoices written around ``Invoice.save()`` (a bulk load or a
    restore): the payer kana in the one normal form the name rule looks up. One UPDATE per distinct
    name; returns how many invoices were changed."""
    changed = 0
    missing = Invoice.objects.filter(payer_key="").exclude(payer_kana="").order_by()
    for kana in missing.values_list("payer_kana", flat=True).distinct():
        key = normalise_payer_name(kana)[:100]
        if key:
            changed += missing.filter(payer_kana=kana).update(payer_key=key)
    return changed
