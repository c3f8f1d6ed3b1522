"""Billing configuration kept by the administrator: the issuer (seller, billing agent and the regime
under which the agent hands out the seller's qualified invoices), fee plans and the tax-rate table."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.billing.registration_number import validate_registration_number
from calsreg.core.models import TimeStampedModel


class AccountType(models.TextChoices):
    ORDINARY = "ordinary", _("普通")
    CURRENT = "current", _("当座")


# The qualified-invoice system began on 2023-10-01 (令和5年10月1日): no validity starts earlier.
INVOICE_SYSTEM_START = date(2023, 10, 1)


class IssuingRegime(models.TextChoices):
    """How the billing agent hands out the ASP's qualified invoices (decision 0008)."""

    # The agent hands out the seller's own invoice: the seller's name and registration number.
    AGENT_DELIVERY = "agent_delivery", _("代理交付（売手の名称・登録番号を記載）")
    # 消費税法施行令第70条の12: both registered, the seller notified the agent; the agent's name
    # and registration number replace the seller's, and the agent keeps a copy.
    INTERMEDIARY = "intermediary", _("媒介者交付特例（請求代行会社の名称・登録番号を記載）")


class Validity(models.Model):
    """From ``valid_from`` to ``valid_until`` (inclusive; open-ended when empty). The row in force on
    an invoice's issue day is the one printed; later rows never change an issued document. The
    rules across rows (no overlap, the intermediary regime's) are ``services.config``'s."""

    valid_from = models.DateField(_("適用開始日"), default=INVOICE_SYSTEM_START)
    valid_until = models.DateField(_("適用終了日"), null=True, blank=True)

    class Meta:
        abstract = True

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def overlaps(self, other: Validity) -> bool:
        """The two periods share at least one day."""
        self_ends = self.valid_until or date.max
        other_ends = other.valid_until or date.max
        return self.valid_from <= other_ends and other.valid_from <= self_ends

    @property
    def period_text(self) -> str:
        until = f"{self.valid_until:%Y-%m-%d}" if self.valid_until else ""
        return f"{self.valid_from:%Y-%m-%d}〜{until}"


class Issuer(Validity, TimeStampedModel):
    """The billing agent who bills and collects on the ASP's behalf (代理請求・代理受領, seed step 6).

    Under 代理交付 its name is printed as who hands the invoice out and it need not be registered;
    under the 媒介者交付特例 its name and registration number are the printed qualified-invoice items
    (消費税法第57条の4第1項第1号, 施行令第70条の12第1項), so it must be registered. The bank account is
    where the contractor transfers the fee. The active agent in force on the issue day is used; an
    issued invoice keeps a snapshot of these fields, so editing the agent never alters it.
    """

    name = models.CharField(_("請求代行会社名"), max_length=100)
    registration_number = models.CharField(
        _("登録番号（適格請求書発行事業者）"),
        max_length=14,
        blank=True,
        validators=[validate_registration_number],
        help_text=_("媒介者交付特例では必須です。代理交付では登録がなければ空欄にしてください。"),
    )
    postcode = models.CharField(_("郵便番号"), max_length=8)
    address = models.CharField(_("住所"), max_length=200)
    phone = models.CharField(_("電話番号"), max_length=20)
    department = models.CharField(_("担当部署"), max_length=100, blank=True)
    bank_name = models.CharField(_("振込先銀行名"), max_length=60)
    bank_branch = models.CharField(_("支店名"), max_length=60)
    account_type = models.CharField(
        _("預金種目"), max_length=10, choices=AccountType.choices, default=AccountType.ORDINARY
    )
    account_number = models.CharField(
        _("口座番号"),
        max_length=7,
        validators=[RegexValidator(r"^[0-9]{7}$", _("口座番号は7桁の数字です。"))],
    )
    account_holder_kana = models.CharField(_("口座名義（カナ）"), max_length=60)
    active = models.BooleanField(_("使用中"), default=True)

    class Meta:
        verbose_name = _("請求代行会社")
        verbose_name_plural = _("請求代行会社")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration_number="")
                | models.Q(registration_number__regex=r"^T[0-9]{13}$"),
                name="issuer_registration_number_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.registration_number or _('登録なし')}）"

    def snapshot(self) -> dict[str, str]:
        """What an issued invoice keeps of its billing agent."""
        return {
            "name": self.name,
            "registration_number": self.registration_number,
            "postcode": self.postcode,
            "address": self.address,
            "phone": self.phone,
            "department": self.department,
            "bank_name": self.bank_name,
            "bank_branch": self.bank_branch,
            "account_type": str(AccountType(self.account_type).label),
            "account_number": self.account_number,
            "account_holder_kana": self.account_holder_kana,
        }


class Seller(Validity, TimeStampedModel):
    """The seller of the service: the ASP (売手). Its qualified invoices are what the agent hands out,
    so it is always a registered issuer (登録番号 with its check digit)."""

    name = models.CharField(_("売手（ASP事業者）名"), max_length=100)
    registration_number = models.CharField(
        _("登録番号（適格請求書発行事業者）"), max_length=14, validators=[validate_registration_number]
    )
    postcode = models.CharField(_("郵便番号"), max_length=8)
    address = models.CharField(_("住所"), max_length=200)

    class Meta:
        verbose_name = _("売手（ASP事業者）")
        verbose_name_plural = _("売手（ASP事業者）")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(registration_number__regex=r"^T[0-9]{13}$"),
                name="seller_registration_number_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.registration_number}、{self.period_text}）"

    def snapshot(self) -> dict[str, str]:
        return {
            "name": self.name,
            "registration_number": self.registration_number,
            "postcode": self.postcode,
            "address": self.address,
        }


class IssuingArrangement(Validity, TimeStampedModel):
    """Which regime applies from ``valid_from``: 代理交付 or the 媒介者交付特例 (decision 0008).

    Under the 媒介者交付特例 the seller must have told the agent, before the transactions, that it
    is registered (施行令第70条の12第1項): ``seller_notified_on`` records that notice. The agent's
    copy of each invoice it hands out is the original PDF the system keeps (InvoiceDocument)."""

    regime = models.CharField(_("交付方式"), max_length=16, choices=IssuingRegime.choices)
    seller_notified_on = models.DateField(
        _("売手から登録の通知を受けた日"),
        null=True,
        blank=True,
        help_text=_("媒介者交付特例では必須です（適用開始日以前の日付）。"),
    )

    class Meta:
        verbose_name = _("適格請求書の交付方式")
        verbose_name_plural = _("適格請求書の交付方式")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.get_regime_display()}（{self.period_text}）"


class FeePlanKind(models.TextChoices):
    FLAT_MONTHLY = "flat_monthly", _("月額固定（工期の月数）")
    TIERED = "tiered", _("請負金額による段階料金")
    INITIAL_PLUS_MONTHLY = "initial_plus_monthly", _("初期費用＋月額（初月無料）")


class FeePlan(TimeStampedModel):
    """How an orderer organisation's projects are charged, from ``active_from`` on.

    The plan in force for a project is the organisation's plan with the latest ``active_from`` on or
    before the day the service started. Amounts are yen excluding consumption tax (the domain's
    "amounts are quoted excluding tax"). ``tiers`` (tiered plans only) is a list of
    ``{"up_to": int | null, "amount": int}`` in ascending order; the last tier has ``up_to: null``.
    A tiered fee is one charge per project (一式) chosen by the **original** contract amount, so a
    later change of contract (変更契約) never changes it.
    """

    organisation = models.ForeignKey(
        "directory.OrdererOrganisation",
        on_delete=models.PROTECT,
        related_name="fee_plans",
        verbose_name=_("発注機関"),
    )
    name = models.CharField(_("料金プラン名"), max_length=100)
    kind = models.CharField(_("料金の種類"), max_length=24, choices=FeePlanKind.choices)
    active_from = models.DateField(_("適用開始日"))
    monthly_fee = models.PositiveIntegerField(_("月額（円・税抜）"), default=0)
    initial_fee = models.PositiveIntegerField(_("初期費用（円・税抜）"), default=0)
    tiers = models.JSONField(_("段階料金表"), default=list, blank=True)
    # Start of use on or before this day of the month → next month's billing run, else the one after.
    invoice_cutoff_day = models.PositiveSmallIntegerField(
        _("請求締め日（利用開始日）"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )

    class Meta:
        verbose_name = _("料金プラン")
        verbose_name_plural = _("料金プラン")
        ordering = ["organisation", "-active_from"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "active_from"], name="fee_plan_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(invoice_cutoff_day__gte=1, invoice_cutoff_day__lte=31),
                name="fee_plan_cutoff_day_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.name}（{self.active_from:%Y-%m-%d}〜）"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == FeePlanKind.TIERED:
            problem = tiers_problem(self.tiers)
            if problem:
                errors["tiers"] = problem
        elif self.monthly_fee <= 0:
            errors["monthly_fee"] = _("月額を入力してください。")
        if errors:
            raise ValidationError(errors)


def tiers_problem(tiers: Any) -> str:
    """Why a tier table is unusable ('' when it is fine)."""
    if not isinstance(tiers, list) or not tiers:
        return str(_("段階料金表を1段以上入力してください。"))
    previous = 0
    for index, tier in enumerate(tiers):
        last = index == len(tiers) - 1
        if not isinstance(tier, dict) or not isinstance(tier.get("amount"), int) or tier["amount"] < 0:
            return str(_("%(n)s段目の金額が正しくありません。") % {"n": index + 1})
        up_to = tier.get("up_to")
        if last and up_to is not None:
            return str(_("最後の段は上限なし（up_to: null）にしてください。"))
        if not last and (not isinstance(up_to, int) or up_to <= previous):
            return str(_("%(n)s段目の上限額は前の段より大きい整数にしてください。") % {"n": index + 1})
        previous = up_to or previous
    return ""


class TaxRate(models.Model):
    """Consumption-tax rate (standard rate) in force from ``valid_from``: 10 % since 2019-10-01.

    A line's rate is the one in force on the transaction date; the usage fee is never subject to
    the reduced rate.
    """

    valid_from = models.DateField(_("適用開始日"), unique=True)
    rate_percent = models.PositiveSmallIntegerField(_("税率（%）"), validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = _("消費税率")
        verbose_name_plural = _("消費税率")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.rate_percent}%（{self.valid_from:%Y-%m-%d}〜）"
