"""The fee impact of a new construction period: what is billed now, what would be, and why.

A read for the change form and the desk's diff, and the calculation ``settle.py`` writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from calsreg.accounts.models import Project
from calsreg.billing.fees import (
    MONTHLY_PART,
    FeeInputs,
    FeeLine,
    amounts_by_part,
    fee_change_lines,
    fee_lines,
    months_touched,
)
from calsreg.billing.models import FeePlan, FeePlanKind, Invoice, InvoiceKind, InvoiceStatus
from calsreg.billing.selectors import fee_plan_for
from calsreg.billing.tax import tax_rate_on, totals_for
from calsreg.core import clock
from calsreg.core.errors import DomainError, FieldError, ValidationFailed


class Settlement(StrEnum):
    """What applying the change does to the invoices."""

    NOT_CONFIGURED = "not_configured"  # no fee plan or tax rate: the billing agent settles it
    UNCHANGED = "unchanged"
    AT_START = "at_start"  # no invoice yet: the start-of-use draft takes the new period
    DRAFT = "draft"  # the invoice is recomputed before issue
    ADDITIONAL = "additional"  # a new additional invoice (draft for the next billing run)
    ADDITIONAL_REVISED = "additional_revised"  # the waiting additional invoice is recomputed
    ADDITIONAL_CANCELLED = "additional_cancelled"  # the waiting additional invoice is voided
    FEE_CREDIT = "fee_credit"  # a fee credit is issued (a waiting additional invoice voided first)


@dataclass(frozen=True)
class FeeImpact:
    """The fee before and after a change, tax included (yen)."""

    current_total: int  # billed now: live invoice + adjustments; or what would be drafted
    new_total: int
    difference: int  # new_total - current_total
    lines: tuple[FeeLine, ...]  # the fee lines for the new period, each with its explanation
    explanation: str  # one or two sentences (the active language; Japanese by default)
    billing_configured: bool
    settlement: Settlement = Settlement.UNCHANGED


@dataclass(frozen=True)
class Billed:
    """How a project is billed: the plan and rate, and the documents that hold its fee."""

    plan: FeePlan
    rate: int
    live: Invoice | None
    fixed: tuple[Invoice, ...]  # issued: the live invoice and its adjustments that are not void
    open: Invoice | None  # a draft that may be rewritten: the live draft, or a waiting additional

    @property
    def issued(self) -> bool:
        return self.live is not None and self.live.status != InvoiceStatus.DRAFT


def fee_impact(
    *, project: Project, period_start: date, period_end: date, contract_amount: int | None = None
) -> FeeImpact:
    """What changing ``project``'s period (and contract amount) would do to its fee; reads only.

    ``contract_amount`` only changes the explanation: tiered fees keep the original amount's tier.
    Raises ValidationFailed when the period ends before it starts.
    """
    if period_end < period_start:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="period_end",
                    label=str(_("工期（終了日）")),
                    message=str(_("工期の終了日は開始日以降の日付にしてください。")),
                )
            ]
        )
    billed = billed_of(project=project, lock=False)
    if billed is None:
        return FeeImpact(
            current_total=0,
            new_total=0,
            difference=0,
            lines=(),
            explanation=_(
                "料金プランまたは消費税率が設定されていないため、料金への影響は請求代行会社が確認して精算します。"
            ),
            billing_configured=False,
            settlement=Settlement.NOT_CONFIGURED,
        )
    impact, _document = assess(
        billed=billed,
        project=project,
        period=(period_start, period_end),
        contract_changed=contract_amount is not None and contract_amount != project.contract_amount,
    )
    return impact


# --- reading what is billed and what would be ----------------------------------------------------


def billed_of(*, project: Project, lock: bool) -> Billed | None:
    """The project's plan, rate and documents; None when billing is not configured for it."""
    invoices = Invoice.objects.select_for_update() if lock else Invoice.objects.all()
    live = (
        invoices.filter(project_id=project.pk, kind=InvoiceKind.INVOICE)
        .exclude(status=InvoiceStatus.VOID)
        .prefetch_related("lines")
        .first()
    )
    started_on = live.transaction_date if live else _start_day(project)
    try:
        plan = (live.fee_plan if live else None) or fee_plan_for(
            organisation=project.office.organisation, on=started_on
        )
        rates = [line.tax_rate_percent for line in live.lines.all()] if live else []
        rate = rates[0] if rates else tax_rate_on(started_on)
    except DomainError:  # BillingNotConfigured, or no tax rate for the day
        return None
    if live is None or live.status == InvoiceStatus.DRAFT:
        return Billed(plan=plan, rate=rate, live=live, fixed=(), open=live)
    adjustments = list(
        invoices.filter(adjusted_invoice=live)
        .exclude(status=InvoiceStatus.VOID)
        .prefetch_related("lines")
        .order_by("pk")
    )
    waiting = next((a for a in adjustments if a.status == InvoiceStatus.DRAFT), None)
    fixed = (live, *(a for a in adjustments if a is not waiting))
    return Billed(plan=plan, rate=rate, live=live, fixed=fixed, open=waiting)


def _start_day(project: Project) -> date:
    return timezone.localdate(project.started_at) if project.started_at else clock.today()


def _total(lines: Iterable[FeeLine], rate: int) -> int:
    return totals_for((line.amount, rate) for line in lines).total


def _amounts(invoices: Iterable[Invoice]) -> dict[str, int]:
    return amounts_by_part((line.explanation, line.amount) for i in invoices for line in i.lines.all())


def assess(
    *, billed: Billed, project: Project, period: tuple[date, date], contract_changed: bool = False
) -> tuple[FeeImpact, list[FeeLine]]:
    """The impact of ``period`` and the lines of the document that settles it: the whole fee for a
    draft (or the draft to come), the difference from what was issued otherwise."""
    plan = billed.plan

    def lines_for(start: date, end: date) -> list[FeeLine]:
        # Tiers are fixed at the amount applied for: a 変更契約 never changes the fee.
        inputs = FeeInputs(start, end, original_contract_amount=project.application.contract_amount)
        with translation.override("ja"):  # what the invoice prints
            return fee_lines(plan=plan, inputs=inputs)

    new_lines = lines_for(*period)
    if billed.live is None:
        current = lines_for(project.period_start, project.period_end)
        current_amounts = amounts_by_part((line.explanation, line.amount) for line in current)
        current_total = _total(current, billed.rate)
    else:
        held = [*billed.fixed, *([billed.open] if billed.open else [])]
        current_amounts = _amounts(held)
        current_total = sum(invoice.total for invoice in held)
    fixed_total = sum(invoice.total for invoice in billed.fixed)
    if billed.issued:
        assert billed.live is not None
        with translation.override("ja"):
            document = fee_change_lines(
                new_lines=new_lines,
                billed=_amounts(billed.fixed),
                monthly_fee=plan.monthly_fee,
                explanation={
                    "plan_id": plan.pk,
                    "plan_name": plan.name,
                    "plan_rule": plan.kind,
                    "period_start": period[0].isoformat(),
                    "period_end": period[1].isoformat(),
                    "months": months_touched(*period),
                    "adjusted_invoice": billed.live.number,
                },
            )
    else:
        document = new_lines
    new_total = fixed_total + _total(document, billed.rate)
    difference = new_total - current_total
    settlement = _settlement(billed=billed, difference=difference, document_total=new_total - fixed_total)
    new_amounts = amounts_by_part((line.explanation, line.amount) for line in new_lines)
    delta = {
        part: new_amounts.get(part, 0) - current_amounts.get(part, 0)
        for part in {*new_amounts, *current_amounts}
    }
    explanation = _explanation(
        settlement=settlement,
        plan=plan,
        delta=delta,
        difference=difference,
        months=months_touched(*period),
        contract_changed=contract_changed,
        voids_waiting=billed.issued and billed.open is not None,
    )
    impact = FeeImpact(
        current_total=current_total,
        new_total=new_total,
        difference=difference,
        lines=tuple(new_lines),
        explanation=explanation,
        billing_configured=True,
        settlement=settlement,
    )
    return impact, document


def _settlement(*, billed: Billed, difference: int, document_total: int) -> Settlement:
    if not difference:
        return Settlement.UNCHANGED
    if billed.live is None:
        return Settlement.AT_START
    if not billed.issued:
        return Settlement.DRAFT
    if document_total > 0:
        return Settlement.ADDITIONAL_REVISED if billed.open else Settlement.ADDITIONAL
    if document_total < 0:
        return Settlement.FEE_CREDIT
    return Settlement.ADDITIONAL_CANCELLED


def _explanation(
    *,
    settlement: Settlement,
    plan: FeePlan,
    delta: dict[str, int],
    difference: int,
    months: int,
    contract_changed: bool,
    voids_waiting: bool,
) -> str:
    if settlement == Settlement.UNCHANGED:
        if plan.kind == FeePlanKind.TIERED:
            return _("段階料金は当初の請負金額で決まるため、料金は変わりません。")
        if contract_changed:
            return _(
                "料金は工期の月数（%(months)sか月）で決まり、請負金額には左右されないため、料金は変わりません。"
            ) % {"months": months}
        return _("工期の月数（%(months)sか月）が変わらないため、料金は変わりません。") % {"months": months}
    amount = f"{abs(difference):,}"
    fee = plan.monthly_fee
    monthly = delta.get(MONTHLY_PART, 0)
    only_months = fee > 0 and monthly % fee == 0 and not any(v for p, v in delta.items() if p != MONTHLY_PART)
    if only_months and monthly:
        params = {"months": abs(monthly) // fee, "fee": f"{fee:,}", "amount": amount}
        if settlement == Settlement.ADDITIONAL:
            return (
                _(
                    "工期が%(months)sか月延びるため、月額%(fee)s円×%(months)sか月（税込%(amount)s円）の追加請求になります。"
                )
                % params
            )
        if settlement == Settlement.FEE_CREDIT and not voids_waiting:
            return (
                _(
                    "工期が%(months)sか月短くなるため、月額%(fee)s円×%(months)sか月（税込%(amount)s円）を返還請求書で減額します。"
                )
                % params
            )
        first = (
            _(
                "工期が%(months)sか月延びるため、料金が月額%(fee)s円×%(months)sか月（税込%(amount)s円）増えます。"
            )
            if monthly > 0
            else _(
                "工期が%(months)sか月短くなるため、料金が月額%(fee)s円×%(months)sか月（税込%(amount)s円）減ります。"
            )
        ) % params
    else:
        first = (
            _("料金が税込%(amount)s円増えます。") if difference > 0 else _("料金が税込%(amount)s円減ります。")
        ) % {"amount": amount}
    second = {
        Settlement.AT_START: _("利用開始時に作る請求書に反映されます。"),
        Settlement.DRAFT: _("発行前の請求書の金額を改めます。"),
        Settlement.ADDITIONAL: _("差額は追加請求書で請求します（次回の請求処理で発行）。"),
        Settlement.ADDITIONAL_REVISED: _("発行前の追加請求書の金額を改めます。"),
        Settlement.ADDITIONAL_CANCELLED: _("発行前の追加請求書を取り消します。"),
        Settlement.FEE_CREDIT: _("発行前の追加請求書を取り消し、残りは返還請求書で減額します。")
        if voids_waiting
        else _("差額は返還請求書で減額します。"),
    }[settlement]
    return f"{first}{second}"
