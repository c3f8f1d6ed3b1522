"""Invoices (請求書), their lines and files, the number counter and billing runs.

An invoice is a draft from the start-of-use notice until a billing run issues it (number, PDF);
the billing agent then posts it (posted → arrival → due date). ``paid`` is set by the payments side
once allocations cover the total; ``overdue`` is never stored: it is due_on < today while unpaid.
A void invoice is cancelled by a credit note — an ``Invoice`` of kind ``credit_note`` with negative
amounts that points at it — so what was issued is never altered. A change of the construction period
after issue is settled by an adjustment that points at the invoice it adjusts: an ``additional``
invoice for more (issued by the next billing run, owed and dunned like the invoice) or a
``fee_credit`` for less (a 適格返還請求書 issued at once); see services/adjustments/.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from calsreg.billing.zengin.names import normalise_payer_name
from calsreg.core import clock
from calsreg.core.models import TimeStampedModel
from calsreg.core.transitions import ensure_transition


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("請求書")
    CREDIT_NOTE = "credit_note", _("適格返還請求書（取消）")
    ADDITIONAL = "additional", _("追加請求書")
    FEE_CREDIT = "fee_credit", _("適格返還請求書（減額）")


# Kinds the contractor owes: invoice-number series, a due date, payments, reminders, suspension.
PAYABLE_KINDS = (InvoiceKind.INVOICE, InvoiceKind.ADDITIONAL)
# Kinds that give money back: the CN number series, no due date, never dunned.
CREDIT_KINDS = (InvoiceKind.CREDIT_NOTE, InvoiceKind.FEE_CREDIT)


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    ISSUED = "issued", _("発行済み")
    POSTED = "posted", _("郵送済み")
    PAID = "paid", _("入金済み")
    VOID = "void", _("取消")


INVOICE_TRANSITIONS: dict[str, frozenset[str]] = {
    InvoiceStatus.DRAFT: frozenset({InvoiceStatus.ISSUED, InvoiceStatus.VOID}),
    InvoiceStatus.ISSUED: frozenset({InvoiceStatus.POSTED, InvoiceStatus.PAID, InvoiceStatus.VOID}),
    InvoiceStatus.POSTED: frozenset({InvoiceStatus.PAID, InvoiceStatus.VOID}),
    # A payment taken back (allocation removed) returns the invoice to where it was.
    InvoiceStatus.PAID: frozenset({InvoiceStatus.ISSUED, InvoiceStatus.POSTED}),
    InvoiceStatus.VOID: frozenset(),
}

# Statuses in which an invoice is owed (and can therefore become overdue).
OPEN_STATUSES = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.POSTED})


class Honorific(models.TextChoices):
    ONCHU = "御中", _("御中（会社・部署宛）")
    SAMA = "様", _("様（個人宛）")


def _sum_per_invoice(queryset: models.QuerySet[Any], *, link: str, column: str, negate: bool = False) -> Any:
    """``Σ column`` of ``queryset``'s rows whose ``link`` is the outer invoice, 0 when none (a subquery,
    so two sums never multiply each other's rows through a join)."""
    total = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(sum=-Sum(column) if negate else Sum(column))
        .values("sum")
    )
    return Coalesce(Subquery(total), Value(0), output_field=models.BigIntegerField())


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def with_amount_paid(self) -> InvoiceQuerySet:
        """Annotate what has settled each invoice (yen):

        * ``paid_amount`` — the stored ``amount_paid`` (payment allocations plus fee credits, kept by
          the payments and adjustment services in the transaction that changes them);
        * ``credited_amount`` — the fee credits (減額の返還請求書) issued against it: a shortened
          construction period lowers what is owed on an invoice already issued (part of the above:
          the contractor who pays the reduced amount has settled the invoice, 相殺).
        """
        credited = _sum_per_invoice(
            Invoice.objects.filter(kind=InvoiceKind.FEE_CREDIT).exclude(status=InvoiceStatus.VOID),
            link="adjusted_invoice",
            column="total",
            negate=True,
        )
        return self.annotate(credited_amount=credited, paid_amount=F("amount_paid"))

    def overdue(self, *, today: date) -> InvoiceQuerySet:
        return self.filter(kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES, due_on__lt=today)

    def issued(self) -> InvoiceQuerySet:
        return self.exclude(status__in=[InvoiceStatus.DRAFT])


class Invoice(TimeStampedModel):
    kind = models.CharField(
        _("種類"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    # Assigned when issued, from a gap-free counter (numbering.py); drafts have none.
    number = models.CharField(_("請求書番号"), max_length=20, unique=True, null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=12, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, db_index=True
    )
    project = models.ForeignKey(
        "accounts.Project", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("工事")
    )
    credited_invoice = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
        verbose_name=_("取り消した請求書"),
    )
    # An additional invoice or a fee credit: the project's invoice whose fee it adjusts.
    adjusted_invoice = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("調整対象の請求書"),
    )
    fee_plan = models.ForeignKey(
        "billing.FeePlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("料金プラン"),
    )
    issuer = models.ForeignKey(
        "billing.Issuer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("請求者"),
    )
    # The issuer as printed, frozen at issue (qualified-invoice items must not change afterwards).
    issuer_snapshot = models.JSONField(_("請求者（発行時）"), default=dict, blank=True)
    # Everything the PDF prints (project, period, contractor, recipient, seller, agent and regime,
    # lines, amounts, referenced invoice), frozen at issue: a reissue is drawn from it alone, never
    # from the live project (pdf/document.py). Empty for a draft.
    document_snapshot = models.JSONField(_("記載事項（発行時）"), default=dict, blank=True)
    billing_run = models.ForeignKey(
        "billing.BillingRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invoices",
        verbose_name=_("請求処理"),
    )

    # Billing address snapshot (the application's 請求書送付先), frozen when the draft is made.
    billing_addressee = models.CharField(_("宛名"), max_length=100)
    billing_department = models.CharField(_("部署名"), max_length=100, blank=True)
    billing_postcode = models.CharField(_("郵便番号"), max_length=8)
    billing_address = models.CharField(_("住所"), max_length=200)
    billing_phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    honorific = models.CharField(_("敬称"), max_length=4, choices=Honorific.choices, default=Honorific.ONCHU)
    # The contractor's company name in kana (the application's), as a transfer's payer name reads.
    payer_kana = models.CharField(_("振込依頼人名（カナ）"), max_length=100, blank=True)
    # payer_kana's matching key (zengin/names.py), set on save: transfers are matched by an indexed
    # lookup of their payer's key, not by normalising every open invoice's name.
    payer_key = models.CharField(_("振込依頼人名（照合用）"), max_length=100, blank=True, db_index=True)
    # Printed on the invoice and asked for in the transfer's EDI / payer-code field, for matching.
    customer_code = models.CharField(_("お客様番号"), max_length=12, db_index=True)

    # 取引年月日: the day the service started (the start-of-use notice).
    transaction_date = models.DateField(_("取引年月日（利用開始日）"))
    run_month = models.DateField(_("請求月"), db_index=True)  # first day of the billing run's month
    issue_date = models.DateField(_("発行日"), null=True, blank=True)
    issued_at = models.DateTimeField(_("発行日時"), null=True, blank=True)
    posted_on = models.DateField(_("郵送日"), null=True, blank=True)
    arrival_on = models.DateField(_("到着日"), null=True, blank=True)
    arrival_overridden = models.BooleanField(_("到着日を個別に設定"), default=False)
    # The due date printed on the PDF (from the planned posting day); due_on never moves before it.
    printed_due_on = models.DateField(_("請求書記載の支払期限"), null=True, blank=True)
    due_on = models.DateField(_("支払期限"), null=True, blank=True, db_index=True)

    subtotal = models.BigIntegerField(_("小計（税抜・円）"), default=0)
    tax = models.BigIntegerField(_("消費税額（円）"), default=0)
    total = models.BigIntegerField(_("合計（税込・円）"), default=0)
    # Yen settled: Σ payment allocations plus the fee credits against it (negated). Kept by the
    # services that allocate, remove allocations and issue fee credits, in their transaction;
    # ``invoice_paid_amounts_rebuild`` recomputes it. Read by receivables and matching without sums.
    amount_paid = models.BigIntegerField(_("入金済み（円）"), default=0)
    # Per tax rate: [{"rate": 10, "taxable": 60000, "tax": 6000}] — tax rounded once per rate.
    tax_breakdown = models.JSONField(_("税率ごとの内訳"), default=list, blank=True)

    voided_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    void_reason = models.CharField(_("取消理由"), max_length=200, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("請求書")
        verbose_name_plural = _("請求書")
        ordering = ["-run_month", "number", "id"]
        indexes = [models.Index(fields=["status", "run_month"])]
        constraints = [
            # One live invoice per project: the draft made at start of use (idempotent); after a
            # void a new one may be drafted.
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(kind="invoice") & ~Q(status="void"),
                name="invoice_one_live_per_project",
            ),
            # Every issued invoice has a number; only a draft, or a draft voided before issue, has none.
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(number__isnull=False)
                | Q(status="void", issued_at__isnull=True),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(total=models.F("subtotal") + models.F("tax")), name="invoice_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credited_invoice__isnull=True, adjusted_invoice__isnull=True)
                | Q(kind="credit_note", credited_invoice__isnull=False, adjusted_invoice__isnull=True)
                | Q(
                    kind__in=["additional", "fee_credit"],
                    credited_invoice__isnull=True,
                    adjusted_invoice__isnull=False,
                ),
                name="invoice_kind_references_its_invoice",
            ),
            # An additional invoice charges more, a fee credit gives back.
            models.CheckConstraint(
                condition=~Q(kind="additional") | Q(total__gt=0), name="invoice_additional_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="fee_credit") | Q(total__lt=0), name="invoice_fee_credit_negative"
            ),
            # At most one additional invoice waiting for a billing run per invoice: a further change
            # of the period revises it instead of adding another.
            models.UniqueConstraint(
                fields=["adjusted_invoice"],
                condition=Q(kind="additional", status="draft"),
                name="invoice_one_additional_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('（下書き）')} {self.billing_addressee}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.payer_key = normalise_payer_name(self.payer_kana)[:100]
        fields = kwargs.get("update_fields")
        if fields is not None and "payer_kana" in fields:
            kwargs["update_fields"] = {*fields, "payer_key"}
        super().save(*args, **kwargs)

    def transition_to(self, target: str) -> None:
        ensure_transition(
            table=INVOICE_TRANSITIONS,
            choices=InvoiceStatus,
            current=self.status,
            target=target,
            message=_("「%(current)s」の請求書を「%(target)s」にすることはできません。"),
        )
        self.status = target

    @property
    def balance(self) -> int:
        return self.total - self.amount_paid

    @property
    def amount_received(self) -> int:
        """Yen actually paid (payment allocations): ``amount_paid`` without the fee credits, which
        reduce what is owed but are not payments."""
        return self.amount_paid - self.amount_credited

    @property
    def amount_outstanding(self) -> int:
        """Yen still owed: the balance of an open invoice or additional invoice, else 0. A credit
        note's or fee credit's own negative total is already taken off the invoice it cancels or
        reduces, so counting it here again would count the credit twice."""
        if self.kind not in PAYABLE_KINDS or self.status not in OPEN_STATUSES:
            return 0
        return max(self.balance, 0)

    @property
    def receipt_available(self) -> bool:
        """A receipt (領収書) can be given: a paid invoice on which money was actually received."""
        return self.kind in PAYABLE_KINDS and self.status == InvoiceStatus.PAID and self.amount_received > 0

    @property
    def settlement_label(self) -> str:
        """The status as the exports show it: a paid invoice nothing was paid on (its fee credits
        alone settled it) is not 入金済み."""
        if self.status == InvoiceStatus.PAID and self.amount_received <= 0:
            return str(_("減額により精算済み"))
        return str(self.get_status_display())

    @property
    def is_payable(self) -> bool:
        """An invoice or an additional invoice: owed, paid and dunned (credit notes are not)."""
        return self.kind in PAYABLE_KINDS

    @property
    def amount_credited(self) -> int:
        """Yen of fee credits against this invoice (part of ``amount_paid``): the annotation, else one
        query."""
        annotated = getattr(self, "credited_amount", None)
        if annotated is not None:
            return int(annotated)
        row = type(self).objects.filter(pk=self.pk).with_amount_paid().first()
        return int(getattr(row, "credited_amount", 0) or 0)

    def is_overdue(self, *, today: date) -> bool:
        return (
            self.kind in PAYABLE_KINDS
            and self.status in OPEN_STATUSES
            and self.due_on is not None
            and self.due_on < today
        )

    @property
    def recipient_line(self) -> str:
        """The addressee as printed: 株式会社越後建設 工事部 御中."""
        parts = [self.billing_addressee, self.billing_department]
        return "　".join(p for p in parts if p) + f"　{self.honorific}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("行番号"))
    description = models.CharField(_("品目"), max_length=200)
    quantity = models.IntegerField(_("数量"))
    unit = models.CharField(_("単位"), max_length=8)
    unit_price = models.BigIntegerField(_("単価（円・税抜）"))
    amount = models.BigIntegerField(_("金額（円・税抜）"))
    tax_rate_percent = models.PositiveSmallIntegerField(_("税率（%）"))
    # Which rule and which inputs produced the amount, for the desk and the contractor's questions.
    explanation = models.JSONField(_("算定根拠"), default=dict, blank=True)

    class Meta:
        verbose_name = _("請求明細")
        verbose_name_plural = _("請求明細")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position_unique"),
            models.CheckConstraint(
                condition=Q(amount=models.F("quantity") * models.F("unit_price")),
                name="invoice_line_amount_is_quantity_times_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


class DocumentKind(models.TextChoices):
    ORIGINAL = "original", _("原本")
    REISSUE = "reissue", _("再発行")


class InvoiceDocument(models.Model):
    """A PDF of an invoice, kept unaltered with its SHA-256 (invoices are kept 7 years)."""

    # Which checksum field verifies which file field (records.kept_files).
    KEPT_FILE_CHECKSUMS: ClassVar[dict[str, str]] = {"file": "sha256"}

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("種別"), max_length=12, choices=DocumentKind.choices)
    file = models.FileField(_("ファイル"), upload_to="invoices/%Y/%m/", max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    created_at = models.DateTimeField(_("作成日時"))
    created_by_label = models.CharField(_("作成者"), max_length=200)

    class Meta:
        verbose_name = _("請求書PDF")
        verbose_name_plural = _("請求書PDF")
        ordering = ["invoice", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(kind="original"), name="invoice_document_one_original"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="invoice_document_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.get_kind_display()}"


class InvoiceCounter(models.Model):
    """Last number issued per series; incremented under its row lock inside the issuing transaction."""

    series = models.CharField(max_length=12, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last}"


class BillingRunStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("実行中")
    FINISHED = "finished", _("完了")
    FAILED = "failed", _("失敗")


IN_PROGRESS_RUN_STATUSES = (BillingRunStatus.QUEUED, BillingRunStatus.RUNNING)


class BillingRun(TimeStampedModel):
    """One billing run: which drafts it issued, its progress for the desk, and its files for the post."""

    # Which checksum field verifies which file field (records.kept_files).
    KEPT_FILE_CHECKSUMS: ClassVar[dict[str, str]] = {
        "bundle_pdf": "bundle_sha256",
        "mailing_csv": "mailing_sha256",
    }

    run_month = models.DateField(_("請求月"), db_index=True)
    status = models.CharField(
        _("状態"), max_length=12, choices=BillingRunStatus.choices, default=BillingRunStatus.RUNNING
    )
    started_by_label = models.CharField(_("実行者"), max_length=200)
    # The staff user who pressed the desk's button: the background task acts (and audits) as them.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行したユーザー"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("開始日時"))
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    total = models.PositiveIntegerField(_("対象件数"), default=0)
    done = models.PositiveIntegerField(_("処理済み件数"), default=0)
    issued_count = models.PositiveIntegerField(_("発行件数"), default=0)
    # Drafts another run issued first (overlapping runs) — counted, not issued twice.
    skipped_count = models.PositiveIntegerField(_("他の処理で発行済み"), default=0)
    bundle_pdf = models.FileField(_("印刷用PDF（一括）"), upload_to="billing-runs/%Y/%m/", blank=True)
    bundle_sha256 = models.CharField(_("印刷用PDFのSHA-256"), max_length=64, blank=True)
    mailing_csv = models.FileField(_("郵送リスト（CSV）"), upload_to="billing-runs/%Y/%m/", blank=True)
    mailing_sha256 = models.CharField(_("郵送リストのSHA-256"), max_length=64, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    # The lease: the process running it ("host-pid") writes ``heartbeat_at`` at start and after every
    # invoice; a run in progress whose heartbeat is older than the lease lost its process and is
    # resumed by the workers' maintenance (services/runs.py), at most BILLING_RUN_MAX_RESUMES times.
    heartbeat_at = models.DateTimeField(_("最終応答日時"), null=True, blank=True)
    worker = models.CharField(_("処理しているプロセス"), max_length=200, blank=True)
    resumes = models.PositiveIntegerField(_("再開回数"), default=0)

    class Meta:
        verbose_name = _("請求処理")
        verbose_name_plural = _("請求処理")
        ordering = ["-started_at", "-id"]
        constraints = [
            # One run per month at a time, enforced by the database: two clicks at the same instant
            # cannot both insert (a check-then-insert can't stop that on PostgreSQL).
            models.UniqueConstraint(
                fields=["run_month"],
                condition=Q(status__in=["queued", "running"]),
                name="billing_run_one_in_progress_per_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.run_month:%Y-%m} {self.get_status_display()} {self.done}/{self.total}"

    @property
    def in_progress(self) -> bool:
        """Queued or running: the desk keeps polling and a second run of the month is refused."""
        return self.status in IN_PROGRESS_RUN_STATUSES

    @property
    def lease_expired(self) -> bool:
        """In progress but silent past the lease: its process died; the workers resume it."""
        if not self.in_progress or self.heartbeat_at is None:
            return False
        return self.heartbeat_at < clock.now() - timedelta(seconds=settings.BILLING_RUN_LEASE_SECONDS)

    @property
    def awaiting_resume(self) -> bool:
        """再開待ち: interrupted (its process stopped) and queued again, or silent past its lease."""
        return self.lease_expired or (self.status == BillingRunStatus.QUEUED and self.resumes > 0)

    @property
    def progress_percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total
