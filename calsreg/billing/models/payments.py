"""Payments (入金): imported bank files, incoming transfers, and their allocation to invoices.

* ``PaymentImport`` — one imported file (Zengin transfer notice or CSV), kept as evidence; its SHA-256
  is unique, so the same file imported twice changes nothing.
* ``Payment`` — one incoming transfer (or one typed by the agent). Its status says how much of it is
  allocated: ``matched`` (all), ``partially_matched`` (some; the remainder waits), ``unmatched`` (none;
  it waits in the agent's queue) or ``ignored`` (set aside by the agent, with a reason).
* ``PaymentAllocation`` — yen of one payment applied to one invoice. ``amount`` is what the invoice is
  credited with (``Invoice.amount_paid`` = Σ ``amount``); ``fee_shortfall`` is the part of it the
  transfer did not carry because the payer deducted the bank fee (振込手数料) and the agent accepts
  that within ``settings.PAYMENT_FEE_TOLERANCE_YEN``. So cash taken from the payment is
  ``amount - fee_shortfall``, and an invoice paid short by the fee is still settled in full.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel

__all__ = [
    "MatchRule",
    "Payment",
    "PaymentAllocation",
    "PaymentImport",
    "PaymentImportKind",
    "PaymentImportStatus",
    "PaymentSource",
    "PaymentStatus",
]


class PaymentImportKind(models.TextChoices):
    ZENGIN = "zengin", _("振込入金通知（全銀フォーマット）")
    CSV = "csv", _("CSV")


class PaymentImportStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("処理中")
    FINISHED = "finished", _("完了")
    FAILED = "failed", _("失敗")


# An import still to be carried on by a worker (``calsreg.billing.services.payment_imports``).
IMPORT_IN_PROGRESS = frozenset({PaymentImportStatus.QUEUED, PaymentImportStatus.RUNNING})


class PaymentImport(models.Model):
    kind = models.CharField(_("種類"), max_length=12, choices=PaymentImportKind.choices)
    original_name = models.CharField(_("元のファイル名"), max_length=255)
    # The file itself is kept unaltered as records.Evidence (subject = this import).
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    evidence = models.ForeignKey(
        "records.Evidence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("証跡ファイル"),
    )
    # Zengin: one entry per header…trailer group (receiving account, booking period, count, sum).
    statements = models.JSONField(_("口座ごとの内訳"), default=list, blank=True)
    record_count = models.PositiveIntegerField(_("レコード数（行数）"), default=0)
    payment_count = models.PositiveIntegerField(_("取り込んだ入金"), default=0)
    # Transfers already imported from another file (a bank's daily and monthly files overlap).
    duplicate_count = models.PositiveIntegerField(_("取込済みのため除外"), default=0)
    total_amount = models.BigIntegerField(_("取り込んだ入金の合計（円）"), default=0)
    # Outcome of the matching run right after the import.
    matched_count = models.PositiveIntegerField(_("消込済み"), default=0)
    partially_matched_count = models.PositiveIntegerField(_("一部消込"), default=0)
    unmatched_count = models.PositiveIntegerField(_("未消込"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_by_label = models.CharField(_("取込者"), max_length=200)
    imported_at = models.DateTimeField(_("取込日時"), db_index=True)
    # A large file is inserted and matched by the worker in batches, each committed with its cursor:
    # ``inserted`` transfers of the file read (duplicates included), then ``done`` payments matched
    # (in the matching order). A rerun after a kill continues from them; ``heartbeat_at`` is renewed
    # with every batch, so a runner that disappeared is noticed (payment_imports_recover).
    status = models.CharField(
        _("状態"), max_length=12, choices=PaymentImportStatus.choices, default=PaymentImportStatus.FINISHED
    )
    total = models.PositiveIntegerField(_("ファイルの入金件数"), default=0)
    inserted = models.PositiveIntegerField(_("読み込んだ件数"), default=0)
    done = models.PositiveIntegerField(_("消込を終えた件数"), default=0)
    error = models.TextField(_("エラー"), blank=True)
    heartbeat_at = models.DateTimeField(_("最終更新"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("入金ファイルの取込")
        verbose_name_plural = _("入金ファイルの取込")
        ordering = ["-imported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="payment_import_sha256_hex"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name} ({self.imported_at:%Y-%m-%d %H:%M})"

    @property
    def in_progress(self) -> bool:
        return self.status in IMPORT_IN_PROGRESS

    @property
    def progress_value(self) -> int:
        """Reading and matching, as one count out of ``2 * total`` (duplicates count as matched)."""
        if not self.in_progress:
            return 2 * self.total
        read_all = self.inserted >= self.total
        return self.inserted + self.done + (self.total - self.payment_count if read_all else 0)


class PaymentSource(models.TextChoices):
    ZENGIN = "zengin", _("振込入金通知")
    CSV = "csv", _("CSV")
    MANUAL = "manual", _("手入力")


class PaymentStatus(models.TextChoices):
    UNMATCHED = "unmatched", _("未消込")
    PARTIALLY_MATCHED = "partially_matched", _("一部消込")
    MATCHED = "matched", _("消込済み")
    IGNORED = "ignored", _("対象外")


# Statuses of the agent's queue: something of the payment is still to be placed.
QUEUE_STATUSES = frozenset({PaymentStatus.UNMATCHED, PaymentStatus.PARTIALLY_MATCHED})


class Payment(TimeStampedModel):
    payment_import = models.ForeignKey(
        PaymentImport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("取込ファイル"),
    )
    source = models.CharField(_("入力元"), max_length=12, choices=PaymentSource.choices)
    line = models.PositiveIntegerField(_("ファイルの行"), null=True, blank=True)
    received_on = models.DateField(_("入金日（勘定日）"), db_index=True)
    value_on = models.DateField(_("起算日"), null=True, blank=True)
    amount = models.BigIntegerField(_("金額（円）"))
    payer_name = models.CharField(_("振込依頼人名"), max_length=100)
    # The matching key of payer_name (zengin/names.py): full-width katakana, no legal-form token.
    payer_kana = models.CharField(_("振込依頼人名（照合用）"), max_length=100, db_index=True)
    payer_code = models.CharField(_("振込依頼人コード"), max_length=20, blank=True)
    edi = models.CharField(_("EDI情報"), max_length=40, blank=True)
    bank_reference = models.CharField(_("照会番号"), max_length=20, blank=True)
    # The receiving account (bank-branch-type-number) the notice was for; "" for CSV and manual.
    bank_account = models.CharField(_("入金口座"), max_length=32, blank=True)
    remitting_bank = models.CharField(_("仕向銀行・支店"), max_length=40, blank=True)
    # The bank's cancellation of an earlier notice (取消区分 1): never allocated, shown to the agent.
    is_cancellation = models.BooleanField(_("取消通知"), default=False)
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNMATCHED,
        db_index=True,
    )
    # Why matching left it (partly) unplaced, for the agent: {"reason": …, "candidates": [invoice ids]}.
    match_detail = models.JSONField(_("消込の結果"), default=dict, blank=True)
    ignored_reason = models.CharField(_("対象外の理由"), max_length=200, blank=True)
    note = models.CharField(_("備考"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("入金")
        verbose_name_plural = _("入金")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["bank_account", "bank_reference", "received_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # One payment per line of a file: a resumed import can never insert a line twice.
            models.UniqueConstraint(
                fields=["payment_import", "line"],
                condition=Q(payment_import__isnull=False) & Q(line__isnull=False),
                name="payment_line_unique_per_import",
            ),
            models.UniqueConstraint(
                fields=["payment_import", "bank_account", "bank_reference"],
                condition=~Q(bank_reference="") & Q(is_cancellation=False),
                name="payment_reference_unique_per_import",
            ),
            models.CheckConstraint(
                condition=~Q(status="ignored") | ~Q(ignored_reason=""), name="payment_ignored_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount:,}円 {self.payer_name}"


class MatchRule(models.TextChoices):
    CODE = "code", _("請求書番号・お客様番号")
    AMOUNT_NAME = "amount_name", _("金額と振込依頼人名")
    MANUAL = "manual", _("手動")


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(
        "billing.Invoice",
        on_delete=models.PROTECT,
        related_name="payment_allocations",
        verbose_name=_("請求書"),
    )
    amount = models.BigIntegerField(_("充当額（円）"))
    fee_shortfall = models.BigIntegerField(_("振込手数料差引分（円）"), default=0)
    rule = models.CharField(_("消込方法"), max_length=16, choices=MatchRule.choices)
    # What matched and how the amount was decided: {"token": "C00000123", "shortfall": 660, …}.
    explanation = models.JSONField(_("消込の根拠"), default=dict, blank=True)
    created_at = models.DateTimeField(_("作成日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by_label = models.CharField(_("実施者"), max_length=200)

    class Meta:
        verbose_name = _("入金の充当")
        verbose_name_plural = _("入金の充当")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "invoice"], name="payment_allocation_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_allocation_amount_positive"),
            models.CheckConstraint(
                condition=Q(fee_shortfall__gte=0) & Q(fee_shortfall__lt=models.F("amount")),
                name="payment_allocation_shortfall_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} → {self.invoice_id}: {self.amount:,}円"

    @property
    def cash_amount(self) -> int:
        """Yen taken from the payment (the amount less the accepted bank-fee shortfall)."""
        return self.amount - self.fee_shortfall
