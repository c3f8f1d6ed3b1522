"""Payments coming in: bank files (Zengin transfer notices, CSV) imported in committed batches, payments
typed by the agent, and payments set aside. Each is matched at once (``matching.py``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.billing.models import (
    Payment,
    PaymentImport,
    PaymentImportKind,
    PaymentImportStatus,
    PaymentSource,
    PaymentStatus,
)
from calsreg.billing.models.payments import QUEUE_STATUSES
from calsreg.billing.services.payments.matching import match_locked as _match_locked
from calsreg.billing.services.payments.matching import payments_locked, payments_match
from calsreg.billing.zengin import normalise_payer_name, parse_transfer_notice
from calsreg.billing.zengin.csv_payments import MAX_AMOUNT_YEN, parse_payments_csv
from calsreg.core import clock
from calsreg.core.errors import Conflict, DomainError, FieldError, UploadRefused, ValidationFailed
from calsreg.notifications.models import StaffAudience, StaffNoticeKind
from calsreg.notifications.staff_services import staff_notice_post
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store, sha256_of


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
    _match_locked(payments=payments_locked(ids), actor=actor)
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


# --- manual entry, ignore ---------------------------------------------------------------------------


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
