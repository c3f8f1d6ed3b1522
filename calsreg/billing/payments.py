"""Writes of the payments side: import bank files, enter payments, match and allocate them to invoices.

Matching (``payments_match``, run after every import and manual entry), in this order:

1. **Code.** An invoice number (2026-000123) or customer code (C00000123) found in the EDI field or
   the payer's name (payers often type their customer code before it), or the digits of a customer
   code in the numeric 振込依頼人コード when the payer's name agrees → those invoices, then that
   customer's other unpaid invoices, oldest due date first; one transfer may pay several.
2. **Amount + name.** Otherwise, unpaid invoices whose contractor's kana name normalises to the payer
   name's key (``zengin/names.py``) and whose balance — or the sum of several of them, same company —
   the amount settles.

"Settles" allows for the bank fee: a transfer short by at most ``settings.PAYMENT_FEE_TOLERANCE_YEN``
pays the invoice in full and the shortfall is recorded on the allocation. Under the code rule a larger
shortfall is a partial payment (what came is allocated) and a surplus stays unallocated; the name rule
never guesses — an amount that fits nothing, or fits several companies, waits in the agent's queue.
When allocations cover an invoice's total, the invoice is settled (``_invoice_settled``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project
from calsreg.billing.models import (
    OPEN_STATUSES,
    PAYABLE_KINDS,
    Invoice,
    InvoiceStatus,
    MatchRule,
    Payment,
    PaymentAllocation,
    PaymentImport,
    PaymentImportKind,
    PaymentImportStatus,
    PaymentSource,
    PaymentStatus,
)
from calsreg.billing.models.payments import QUEUE_STATUSES
from calsreg.billing.numbering import CUSTOMER_CODE_DIGITS, CUSTOMER_CODE_PREFIX
from calsreg.billing.payments_selectors import payment_allocated_cash
from calsreg.billing.zengin import normalise_payer_name, parse_transfer_notice
from calsreg.billing.zengin.csv_payments import MAX_AMOUNT_YEN, parse_payments_csv
from calsreg.core import clock
from calsreg.core.errors import Conflict, DomainError, FieldError, UploadRefused, ValidationFailed
from calsreg.notifications.models import StaffAudience, StaffNoticeKind
from calsreg.notifications.staff_services import staff_notice_post
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store, sha256_of

_INVOICE_NUMBER_RE = re.compile(r"(?<![0-9A-Z])(\d{4})-?(\d{6})(?!\d)")
_CUSTOMER_CODE_RE = re.compile(rf"(?<![0-9A-Z]){CUSTOMER_CODE_PREFIX}(\d{{{CUSTOMER_CODE_DIGITS}}})(?!\d)")
UPDATE_CHUNK = 900  # ids per UPDATE … WHERE id IN (…): under SQLite's old 999-parameter limit
MAX_SUBSET_INVOICES = 8  # beyond this many open invoices of one payer, only oldest-first sums are tried


@dataclass(frozen=True)
class ImportResult:
    payment_import: PaymentImport
    created: bool  # False: this very file had been imported before, and nothing was changed
    message: str


# --- import -----------------------------------------------------------------------------------------


@transaction.atomic
def payments_import_zengin(*, content: bytes, filename: str, actor: Actor) -> ImportResult:
    """Import a Zengin transfer-notice file, keep it as evidence, and match its transfers.

    Raises ``UploadRefused`` (empty, too large) or ``ZenginFileRefused`` (every problem, with line and
    field; nothing saved). The same file again returns the earlier import with ``created=False``.
    """
    return _import(kind=PaymentImportKind.ZENGIN, content=content, filename=filename, actor=actor)


@transaction.atomic
def payments_import_csv(*, content: bytes, filename: str, actor: Actor) -> ImportResult:
    """Import a payments CSV (format: ``zengin/csv_payments.py``); otherwise as ``payments_import_zengin``."""
    return _import(kind=PaymentImportKind.CSV, content=content, filename=filename, actor=actor)


def _import(*, kind: str, content: bytes, filename: str, actor: Actor) -> ImportResult:
    if len(content) > settings.PAYMENT_IMPORT_MAX_BYTES:
        raise UploadRefused(
            _("ファイルが大きすぎます（上限 %(limit)s バイト）。")
            % {"limit": f"{settings.PAYMENT_IMPORT_MAX_BYTES:,}"}
        )
    digest = sha256_of(content)
    earlier = PaymentImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        return _already_imported(earlier)
    now = clock.now()
    parsed = payments_file_parse(kind=kind, content=content)  # every problem refused before any write
    small = len(parsed.payments) <= settings.PAYMENT_IMPORT_INLINE_ROWS
    try:
        with transaction.atomic():  # a concurrent import of the same file loses here, not later
            payment_import = PaymentImport.objects.create(
                kind=kind,
                original_name=filename[:255],
                sha256=digest,
                statements=parsed.statements,
                record_count=parsed.record_count,
                imported_by=actor.user,
                imported_by_label=actor.label[:200],
                imported_at=now,
                status=PaymentImportStatus.RUNNING if small else PaymentImportStatus.QUEUED,
                total=len(parsed.payments),
                heartbeat_at=now,
            )
    except IntegrityError:
        return _already_imported(PaymentImport.objects.get(sha256=digest))
    payment_import.evidence = evidence_store(
        content=content,
        original_name=filename or "payments",
        content_type="text/csv" if kind == PaymentImportKind.CSV else "text/plain",
        kind=EvidenceKind.OTHER,
        subject=payment_import,
        actor=actor,
        received_at=now,
        note=str(PaymentImportKind(kind).label),
    )
    payment_import.save(update_fields=["evidence"])
    if not small:
        from calsreg.billing.services.payment_imports import payment_import_enqueue  # imports this module

        payment_import_enqueue(payment_import=payment_import)
        message = _(
            "「%(name)s」（%(count)s件）を受け付けました。取込と消込を順に進めています。"
            "進み具合はこの画面で確認できます。"
        ) % {"name": payment_import.original_name, "count": f"{payment_import.total:,}"}
        return ImportResult(payment_import=payment_import, created=True, message=message)
    # A small file is imported here, in the request's transaction: the agent sees the result at once.
    payment_import_rows(payment_import_id=payment_import.pk, payments=parsed.payments, actor=actor)
    return payment_import_finish(payment_import_id=payment_import.pk, actor=actor)


@dataclass(frozen=True)
class ParsedFile:
    payments: list[Payment]  # unsaved, in the file's order
    record_count: int
    statements: list[dict[str, Any]]


def payments_file_parse(*, kind: str, content: bytes) -> ParsedFile:
    """Parse a bank file fully. Raises ``ZenginFileRefused``/``CsvFileRefused`` listing every problem."""
    if kind == PaymentImportKind.ZENGIN:
        notice = parse_transfer_notice(content, today=clock.today())
        statements = [
            {
                "account": statement.account_key,
                "account_name": statement.account_name,
                "booked_from": statement.booked_from.isoformat(),
                "booked_to": statement.booked_to.isoformat(),
                "count": len(statement.transfers),
                "amount": sum(record.amount for record in statement.transfers),
            }
            for statement in notice.statements
        ]
        payments = [_payment_from_notice(statement, record) for statement, record in notice.transfers]
        return ParsedFile(payments=payments, record_count=notice.record_count, statements=statements)
    rows = parse_payments_csv(content, today=clock.today())
    return ParsedFile(
        payments=[_payment_from_csv(row) for row in rows], record_count=len(rows), statements=[]
    )


def payment_import_rows(*, payment_import_id: int, payments: list[Payment], actor: Actor) -> None:
    """Insert the file's ``payments`` and match them, in batches of ``settings.PAYMENT_MATCH_BATCH``.

    Each batch is one short transaction that also moves the import's cursor (``inserted``, then
    ``done``) and heartbeat: whatever stops the runner, a rerun continues after the last committed
    batch and never inserts or matches a transfer twice. Stops early when the import is no longer
    running (finished or failed by another runner).
    """
    size = max(1, settings.PAYMENT_MATCH_BATCH)
    while _insert_batch(payment_import_id=payment_import_id, payments=payments, size=size):
        pass
    order = list(
        Payment.objects.filter(payment_import_id=payment_import_id)
        .order_by("received_on", "line", "pk")
        .values_list("pk", flat=True)
    )
    while _match_batch(payment_import_id=payment_import_id, order=order, size=size, actor=actor):
        pass


def _running_import(payment_import_id: int) -> PaymentImport | None:
    """The import, locked for this batch; None when it is no longer this runner's to carry on."""
    payment_import = PaymentImport.objects.select_for_update().get(pk=payment_import_id)
    return payment_import if payment_import.status == PaymentImportStatus.RUNNING else None


@transaction.atomic
def _insert_batch(*, payment_import_id: int, payments: list[Payment], size: int) -> bool:
    payment_import = _running_import(payment_import_id)
    if payment_import is None or payment_import.inserted >= len(payments):
        return False
    start = payment_import.inserted
    chunk = payments[start : start + size]
    fresh = _without_earlier_imports(chunk, payment_import=payment_import)
    for payment in fresh:
        payment.payment_import = payment_import
    Payment.objects.bulk_create(fresh)
    payment_import.inserted = start + len(chunk)
    payment_import.payment_count += len(fresh)
    payment_import.heartbeat_at = clock.now()
    payment_import.save(update_fields=["inserted", "payment_count", "heartbeat_at"])
    return True


@transaction.atomic
def _match_batch(*, payment_import_id: int, order: list[int], size: int, actor: Actor) -> bool:
    payment_import = _running_import(payment_import_id)
    if payment_import is None or payment_import.done >= len(order):
        return False
    ids = order[payment_import.done : payment_import.done + size]
    _match_locked(payments=_payments_locked(ids), actor=actor)
    payment_import.done += len(ids)
    payment_import.heartbeat_at = clock.now()
    payment_import.save(update_fields=["done", "heartbeat_at"])
    return True


@transaction.atomic
def payment_import_finish(*, payment_import_id: int, actor: Actor) -> ImportResult:
    """Count, audit and report a running import whose payments are all inserted and matched."""
    payment_import = PaymentImport.objects.select_for_update().get(pk=payment_import_id)
    if payment_import.status != PaymentImportStatus.RUNNING:
        return ImportResult(payment_import=payment_import, created=False, message="")
    now = clock.now()
    payments = Payment.objects.filter(payment_import=payment_import)
    _link_cancellations(list(payments.filter(is_cancellation=True).order_by("received_on", "line", "pk")))
    counts = payments.aggregate(
        count=Count("pk"),
        amount=Sum("amount", filter=Q(is_cancellation=False), default=0),
        matched=Count("pk", filter=Q(status=PaymentStatus.MATCHED)),
        partial=Count("pk", filter=Q(status=PaymentStatus.PARTIALLY_MATCHED)),
        unmatched=Count("pk", filter=Q(status=PaymentStatus.UNMATCHED)),
    )
    payment_import.payment_count = counts["count"]
    payment_import.duplicate_count = payment_import.total - counts["count"]
    payment_import.total_amount = counts["amount"]
    payment_import.matched_count = counts["matched"]
    payment_import.partially_matched_count = counts["partial"]
    payment_import.unmatched_count = counts["unmatched"]
    payment_import.status = PaymentImportStatus.FINISHED
    payment_import.finished_at = payment_import.heartbeat_at = now
    payment_import.save()
    params = {
        "name": payment_import.original_name,
        "count": payment_import.payment_count,
        "amount": f"{payment_import.total_amount:,}",
        "matched": payment_import.matched_count,
        "partial": payment_import.partially_matched_count,
        "unmatched": payment_import.unmatched_count,
        "duplicates": payment_import.duplicate_count,
    }
    audit_record(
        actor=actor,
        action="payment_import.imported",
        subject=payment_import,
        summary=gettext_noop(
            "入金ファイル「%(name)s」を取り込みました（%(count)s件 %(amount)s円。消込済み %(matched)s件、"
            "一部消込 %(partial)s件、未消込 %(unmatched)s件、取込済みのため除外 %(duplicates)s件）"
        ),
        summary_params=params,
        data={"sha256": payment_import.sha256, "evidence_id": payment_import.evidence_id},
        at=now,
    )
    if payment_import.unmatched_count:
        staff_notice_post(
            kind=StaffNoticeKind.PAYMENT_UNMATCHED,
            audience=StaffAudience.BILLING,
            subject=payment_import,
            at=now,
            summary=gettext_noop("入金ファイル「%(name)s」に、照合できない入金が %(unmatched)s件あります。"),
            summary_params={
                "name": payment_import.original_name,
                "unmatched": payment_import.unmatched_count,
            },
        )
    message = (
        _(
            "「%(name)s」を取り込みました: %(count)s件 %(amount)s円（消込済み %(matched)s件、一部消込 %(partial)s件、"
            "未消込 %(unmatched)s件、取込済みのため除外 %(duplicates)s件）。"
        )
        % params
    )
    return ImportResult(payment_import=payment_import, created=True, message=message)


def _already_imported(earlier: PaymentImport) -> ImportResult:
    return ImportResult(
        payment_import=earlier,
        created=False,
        message=_("このファイルは %(at)s に取込済みです（「%(name)s」）。何も変更していません。")
        % {
            "at": timezone.localtime(earlier.imported_at).strftime("%Y-%m-%d %H:%M"),
            "name": earlier.original_name,
        },
    )


def _payment_from_notice(statement: Any, record: Any) -> Payment:
    bank = " ".join(part for part in (record.remitting_bank_name, record.remitting_branch_name) if part)
    return Payment(
        source=PaymentSource.ZENGIN,
        line=record.line,
        received_on=record.booked_on,
        value_on=record.value_on,
        amount=record.amount,
        payer_name=record.requester_name,
        payer_kana=normalise_payer_name(record.requester_name)[:100],
        payer_code=record.requester_code,
        edi=record.edi,
        bank_reference=record.reference,
        bank_account=statement.account_key,
        remitting_bank=bank[:40],
        is_cancellation=record.cancelled,
    )


def _payment_from_csv(row: Any) -> Payment:
    return Payment(
        source=PaymentSource.CSV,
        line=row.line,
        received_on=row.received_on,
        amount=row.amount,
        payer_name=row.payer_name[:100],
        payer_kana=normalise_payer_name(row.payer_name)[:100],
        edi=row.payer_code[:40],
        bank_reference=row.reference,
    )


def _without_earlier_imports(payments: list[Payment], *, payment_import: PaymentImport) -> list[Payment]:
    """Drop transfers an earlier file already brought in (same account, reference, day and amount):
    a bank's daily files and its monthly file overlap, and a transfer must not be counted twice.
    The lines of this very file inserted by earlier batches do not count."""
    keyed = [p for p in payments if p.bank_reference]
    if not keyed:
        return payments
    seen = set(
        Payment.objects.filter(
            source__in={p.source for p in keyed},
            bank_account__in={p.bank_account for p in keyed},
            received_on__range=(min(p.received_on for p in keyed), max(p.received_on for p in keyed)),
        )
        .exclude(bank_reference="")
        .exclude(payment_import=payment_import)
        .values_list("source", "bank_account", "bank_reference", "received_on", "amount", "is_cancellation")
    )

    def key(p: Payment) -> tuple[Any, ...]:
        return (p.source, p.bank_account, p.bank_reference, p.received_on, p.amount, p.is_cancellation)

    return [p for p in payments if not p.bank_reference or key(p) not in seen]


def _link_cancellations(payments: list[Payment]) -> None:
    """A bank's cancellation (取消) is never allocated: it waits for the agent, pointing at the notice
    it cancels when that one can be found, whose allocations the agent then removes."""
    for payment in payments:
        if not payment.is_cancellation:
            continue
        original = (
            Payment.objects.filter(
                bank_account=payment.bank_account,
                bank_reference=payment.bank_reference,
                amount=payment.amount,
                is_cancellation=False,
            )
            .order_by("-received_on", "-id")
            .first()
        )
        payment.match_detail = {
            "reason": "cancellation",
            "original_payment": original.pk if original else None,
        }
        payment.save(update_fields=["match_detail", "updated_at"])


# --- manual entry, allocation, ignore ---------------------------------------------------------------


@transaction.atomic
def payment_create_manual(
    *, received_on: date, amount: int, payer_name: str, actor: Actor, payer_code: str = "", note: str = ""
) -> Payment:
    """The agent types a payment (seen in online banking, paid at the counter…); it is matched at once.

    Raises ``ValidationFailed`` listing every problem.
    """
    errors: list[FieldError] = []
    name = unicodedata.normalize("NFKC", payer_name).strip()
    code = unicodedata.normalize("NFKC", payer_code).strip()
    if received_on > clock.today():
        errors.append(FieldError("received_on", _("入金日に未来の日付は指定できません。"), _("入金日")))
    if not 0 < amount <= MAX_AMOUNT_YEN:
        errors.append(FieldError("amount", _("金額は1円以上で入力してください。"), _("金額")))
    if not name or len(name) > 100:
        errors.append(
            FieldError("payer_name", _("振込依頼人名を100文字以内で入力してください。"), _("振込依頼人名"))
        )
    if len(code) > 40:
        errors.append(FieldError("payer_code", _("40文字以内で入力してください。"), _("依頼人コード・EDI")))
    if errors:
        raise ValidationFailed(errors=errors)
    payment = Payment.objects.create(
        source=PaymentSource.MANUAL,
        received_on=received_on,
        amount=amount,
        payer_name=name,
        payer_kana=normalise_payer_name(name)[:100],
        edi=code,
        note=note.strip()[:200],
        entered_by=actor.user,
    )
    audit_record(
        actor=actor,
        action="payment.entered",
        subject=payment,
        summary=gettext_noop("入金 %(amount)s円（%(payer)s、%(received_on)s）を手入力しました"),
        summary_params={"amount": f"{amount:,}", "payer": name, "received_on": received_on.isoformat()},
    )
    payments_match(payments=[payment], actor=actor)
    return payment


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
    balance = invoice.total - _amount_paid(invoice)
    if not 0 < amount <= min(remaining, balance):
        raise DomainError(
            _("充当額は1円以上、入金の残り（%(remaining)s円）と請求書の未入金額（%(balance)s円）以下です。")
            % {"remaining": f"{remaining:,}", "balance": f"{balance:,}"}
        )
    shortfall = balance - amount if amount == remaining and _is_fee(balance - amount, amount) else 0
    allocation = _allocate(
        payment=payment,
        invoice=invoice,
        cash=amount,
        shortfall=shortfall,
        rule=MatchRule.MANUAL,
        explanation={},
        actor=actor,
        now=now,
    )
    _refresh_status(payment)
    payment.save(update_fields=["status", "match_detail", "updated_at"])
    return allocation


@transaction.atomic
def payment_ignore(*, payment: Payment, reason: str, actor: Actor) -> Payment:
    """Set a payment (or what is left of it) aside — a refund, a transfer not for this service.

    Raises ``DomainError`` without a reason, ``Conflict`` if it is already ignored or fully matched.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError(_("対象外にする理由を入力してください。"))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status not in QUEUE_STATUSES:
        raise Conflict(
            _("この入金は「%(status)s」のため対象外にできません。") % {"status": payment.get_status_display()}
        )
    payment.status = PaymentStatus.IGNORED
    payment.ignored_reason = reason[:200]
    payment.save(update_fields=["status", "ignored_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="payment.ignored",
        subject=payment,
        summary=gettext_noop("入金 %(amount)s円（%(payer)s）を対象外にしました（理由: %(reason)s）"),
        summary_params={"amount": f"{payment.amount:,}", "payer": payment.payer_name, "reason": reason[:200]},
    )
    return payment


@transaction.atomic
def payment_allocation_remove(*, allocation: PaymentAllocation, reason: str, actor: Actor) -> Payment:
    """Take an allocation back (wrong match, bank cancellation, before voiding an invoice); an invoice
    that was paid returns to posted (or issued). Raises ``DomainError`` without a reason."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("充当を解除する理由を入力してください。"))
    allocation = PaymentAllocation.objects.select_related("payment", "invoice").get(pk=allocation.pk)
    payment = Payment.objects.select_for_update().get(pk=allocation.payment_id)
    invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
    details = {
        "amount": allocation.amount,
        "fee_shortfall": allocation.fee_shortfall,
        "rule": allocation.rule,
    }
    allocation.delete()
    if invoice.status == InvoiceStatus.PAID and _amount_paid(invoice) < invoice.total:
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
        summary_params={"number": invoice.number, "amount": f"{details['amount']:,}", "reason": reason[:200]},
        data={"payment_id": payment.pk, **details},
    )
    return payment


# --- matching ---------------------------------------------------------------------------------------


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
    fresh = {payment.pk: payment for payment in _payments_locked([payment.pk for payment in given])}
    for payment in given:  # what another transaction committed before the lock counts, not a stale copy
        payment.status, payment.match_detail = fresh[payment.pk].status, fresh[payment.pk].match_detail
    return _match_locked(payments=given, actor=actor)


def _payments_locked(ids: list[int]) -> list[Payment]:
    """Lock payments in primary-key order (see ``_OpenBook.lock_reachable`` for the global order)."""
    locked: list[Payment] = []
    for chunk in _chunks(sorted(ids)):
        locked += Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    return locked


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), UPDATE_CHUNK):
        yield ids[start : start + UPDATE_CHUNK]


def _match_locked(*, payments: list[Payment], actor: Actor) -> list[Payment]:
    todo = sorted(
        (p for p in payments if p.status in QUEUE_STATUSES and not p.is_cancellation),
        key=lambda p: (p.received_on, p.line or 0, p.pk),
    )
    if not todo:
        return []
    now = clock.now()
    book = _OpenBook()
    book.lock_reachable(todo)
    changed: list[Payment] = []
    for payment in todo:
        # An unmatched payment has no allocations (the status is kept in step with them).
        cash = 0 if payment.status == PaymentStatus.UNMATCHED else payment_allocated_cash(payment=payment)
        remaining = payment.amount - cash
        plan, detail = book.plan_for(payment, remaining)
        if plan is not None:
            for item, part, shortfall in _split(remaining, plan.invoices):
                _allocate(
                    payment=payment,
                    invoice=item.invoice,
                    cash=part,
                    shortfall=shortfall,
                    rule=plan.rule,
                    explanation=plan.explanation,
                    actor=actor,
                    now=now,
                )
                item.balance -= part + shortfall
                cash += part
        status = _status_for(payment, cash)
        if (status, detail) != (payment.status, payment.match_detail):
            payment.status, payment.match_detail, payment.updated_at = status, detail, now
            changed.append(payment)
    _save_outcomes(changed, now=now)
    return todo


def _save_outcomes(payments: list[Payment], *, now: datetime) -> None:
    """Save status and detail with one UPDATE per distinct outcome: an import of a hundred thousand
    transfers has a handful of outcomes ("no candidate" for most), and per-row updates would take minutes."""
    groups: dict[tuple[str, str], list[int]] = {}
    for payment in payments:
        key = (payment.status, json.dumps(payment.match_detail, sort_keys=True))
        groups.setdefault(key, []).append(payment.pk)
    for (status, detail), ids in groups.items():
        for start in range(0, len(ids), UPDATE_CHUNK):
            Payment.objects.filter(pk__in=ids[start : start + UPDATE_CHUNK]).update(
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
        elif _is_fee(item.balance - remaining, remaining):
            parts.append((item, remaining, item.balance - remaining))
        else:
            parts.append((item, remaining, 0))  # partial payment
        remaining -= parts[-1][1]
    return parts


def _is_fee(shortfall: int, cash: int) -> bool:
    """A shortfall that is the payer's deducted bank fee: within the tolerance, and smaller than what
    did come (so a few hundred yen never settle a large invoice)."""
    return 0 < shortfall <= settings.PAYMENT_FEE_TOLERANCE_YEN and shortfall < cash


def _settles(amount: int, balance: int) -> bool:
    return amount == balance or (amount < balance and _is_fee(balance - amount, amount))


class _OpenBook:
    """The unpaid invoices of one matching run, read once, indexed by number, customer and payer key."""

    def __init__(self) -> None:
        invoices = (
            Invoice.objects.filter(kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)
            .select_related("project__application")
            .with_amount_paid()
        )
        self.items = sorted(
            (_Open(invoice, invoice.total - invoice.amount_paid) for invoice in invoices),
            key=lambda i: i.order,
        )
        self.by_number: dict[str, _Open] = {}
        self.by_customer: dict[str, list[_Open]] = {}
        self.by_payer: dict[str, list[_Open]] = {}
        self.payer_key: dict[int, str] = {}
        for item in self.items:
            invoice = item.invoice
            if invoice.number:
                self.by_number[invoice.number.replace("-", "")] = item
            self.by_customer.setdefault(invoice.customer_code, []).append(item)
            # The kana frozen on the invoice when drafted; the application's for older rows.
            key = normalise_payer_name(invoice.payer_kana or invoice.project.application.contractor_kana)
            self.payer_key[invoice.pk] = key
            if key:
                self.by_payer.setdefault(key, []).append(item)

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
            if self._known(numbers, customers):
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
            self.payer_key[item.invoice.pk] == payment.payer_kana
            for item in self.by_customer.get(customer_code, [])
        )

    @staticmethod
    def _detail_after(remaining: int, chosen: list[_Open]) -> dict[str, Any]:
        owed = sum(item.balance for item in chosen)
        return {"reason": "overpaid", "surplus": remaining - owed} if remaining > owed else {}

    @staticmethod
    def _known(numbers: list[str], customers: list[str]) -> bool:
        return Invoice.objects.filter(
            Q(customer_code__in=customers) | Q(number__in=[f"{n[:4]}-{n[4:]}" for n in numbers])
        ).exists()

    def reachable(self, payment: Payment) -> set[int]:
        """Every open invoice ``plan_for`` could choose for ``payment``, whatever the balances."""
        numbers, customers = _codes_in(payment)
        from_payer_code = _customer_of_payer_code(payment.payer_code)
        items = [self.by_number[n] for n in numbers if n in self.by_number]
        for code in [*customers, *([from_payer_code] if from_payer_code else [])]:
            items += self.by_customer.get(code, [])
        items += self.by_payer.get(payment.payer_kana, [])
        return {item.invoice.pk for item in items}

    def lock_reachable(self, payments: list[Payment]) -> None:
        """Lock, before any allocation, every invoice these payments may pay and those invoices'
        projects, and re-read what is paid on them, so an allocation committed meanwhile by another
        transaction (the agent, a second import) is not overwritten.

        Why this cannot deadlock: every writer of payments takes its row locks in one global order —
        payments, then invoices, then projects, each class in primary-key order — and takes none
        after it started allocating: the caller locked the payments (``_payments_locked``); here all
        invoices a batch may touch are locked at once in ascending order, then their projects
        (``invoice_paid`` locks the project when it settles an invoice: already held). Two imports
        whose transfers pay the same invoices in opposite orders therefore wait for each other at
        the first shared invoice instead of each holding one the other needs; the agent's
        ``payment_allocate`` locks one payment then one invoice, the same order. A batch holds its
        locks for the milliseconds it takes to match ``settings.PAYMENT_MATCH_BATCH`` payments.
        """
        ids = sorted(set().union(*(self.reachable(payment) for payment in payments)))
        status: dict[int, str] = {}
        project_ids: set[int] = set()
        for chunk in _chunks(ids):
            locked = Invoice.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            for pk, state, project_id in locked.values_list("pk", "status", "project_id"):
                status[pk] = state
                project_ids.add(project_id)
        for chunk in _chunks(sorted(project_ids)):
            list(Project.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        paid: dict[int, int] = {}
        for chunk in _chunks(ids):
            paid.update(
                (fresh.pk, fresh.amount_paid)
                for fresh in Invoice.objects.filter(pk__in=chunk).with_amount_paid()
            )
        for item in self.items:
            pk = item.invoice.pk
            if pk in status:
                owed = status[pk] in OPEN_STATUSES  # voided or paid meanwhile: owes nothing
                item.balance = item.invoice.total - paid[pk] if owed else 0


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
        single = [item for item in items if _settles(amount, item.balance)]
        if single:
            fits.append([single[0]])
            continue
        running = 0
        found = None
        for count, item in enumerate(items, start=1):
            running += item.balance
            if count > 1 and _settles(amount, running):
                found = items[:count]
                break
        if found is None and len(items) <= MAX_SUBSET_INVOICES:
            subsets = [
                list(subset)
                for size in range(2, len(items) + 1)
                for subset in combinations(items, size)
                if _settles(amount, sum(item.balance for item in subset))
            ]
            found = subsets[0] if len(subsets) == 1 else None
        if found:
            fits.append(found)
    return fits


def _allocate(
    *,
    payment: Payment,
    invoice: Invoice,
    cash: int,
    shortfall: int,
    rule: str,
    explanation: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> PaymentAllocation:
    allocation = PaymentAllocation.objects.create(
        payment=payment,
        invoice=invoice,
        amount=cash + shortfall,
        fee_shortfall=shortfall,
        rule=rule,
        explanation={**explanation, "shortfall": shortfall} if shortfall else explanation,
        created_at=now,
        created_by=actor.user,
        created_by_label=actor.label[:200],
    )
    audit_record(
        actor=actor,
        action="payment.allocated",
        subject=invoice,
        summary=gettext_noop(
            "入金 %(cash)s円（%(payer)s、%(received_on)s）を請求書 %(number)s に充当しました"
            "（%(rule)s、振込手数料差引 %(shortfall)s円）"
        ),
        summary_params={
            "cash": f"{cash:,}",
            "payer": payment.payer_name,
            "received_on": payment.received_on.isoformat(),
            "number": invoice.number,
            "rule": str(MatchRule(rule).label),
            "shortfall": f"{shortfall:,}",
        },
        data={"payment_id": payment.pk, "allocation_id": allocation.pk, "amount": allocation.amount},
        at=now,
    )
    if _amount_paid(invoice) >= invoice.total:
        _invoice_settled(invoice=invoice, actor=actor)
    return allocation


def _amount_paid(invoice: Invoice) -> int:
    """Read from the database: the instance may carry a ``paid_amount`` annotation from before."""
    return Invoice.objects.with_amount_paid().get(pk=invoice.pk).amount_paid


def _status_for(payment: Payment, cash: int) -> str:
    """The status for ``cash`` yen of the payment allocated."""
    if cash >= payment.amount:
        return PaymentStatus.MATCHED
    return PaymentStatus.PARTIALLY_MATCHED if cash else PaymentStatus.UNMATCHED


def _refresh_status(payment: Payment) -> None:
    payment.status = _status_for(payment, payment_allocated_cash(payment=payment))
    if payment.status == PaymentStatus.MATCHED:
        payment.match_detail = {}


def _invoice_settled(*, invoice: Invoice, actor: Actor) -> None:
    """Call site of the invoice side's hook ``invoice_paid(*, invoice, actor)`` (which also reinstates
    a suspended project). Until ``calsreg.billing.services`` exports it, the invoice is marked paid and
    audited here."""
    from calsreg.billing import services  # late: the services package may import this module

    hook = getattr(services, "invoice_paid", None)
    if hook is not None:
        hook(invoice=invoice, actor=actor)
        return
    invoice.refresh_from_db(fields=["status"])
    if invoice.status == InvoiceStatus.PAID:
        return
    invoice.transition_to(InvoiceStatus.PAID)
    invoice.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="invoice.paid",
        subject=invoice,
        summary=gettext_noop("請求書 %(number)s の入金が完了しました（%(total)s円）"),
        summary_params={"number": invoice.number, "total": f"{invoice.total:,}"},
    )


def payment_references(payment: Payment) -> tuple[list[str], list[str]]:
    """The invoice numbers (2026-000123) and customer codes a payment names in its EDI, payer name
    or payer code — what the matching reads, for the agent's suggestions."""
    numbers, customers = _codes_in(payment)
    from_payer_code = _customer_of_payer_code(payment.payer_code)
    if from_payer_code:
        customers = list(dict.fromkeys([*customers, from_payer_code]))
    return [f"{number[:4]}-{number[4:]}" for number in numbers], customers
