"""Usage-fee calculation: a fee plan and a project's figures → invoice lines with their explanation.

Pure functions (no database): the draft service passes the plan and the inputs, and stores what
comes back. Each line's ``explanation`` names the rule and every input, so the desk can answer
"why this amount?" without re-deriving it (domain.md, Fees: "keep the amount explainable").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.billing.models.config import FeePlan, FeePlanKind


@dataclass(frozen=True)
class FeeInputs:
    period_start: date  # 工期（開始日）
    period_end: date  # 工期（終了日）
    original_contract_amount: int  # 請負金額 as applied for (tiers are fixed at it)


@dataclass(frozen=True)
class FeeLine:
    description: str
    quantity: int
    unit: str
    unit_price: int
    explanation: dict[str, Any] = field(default_factory=dict)

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


def months_touched(start: date, end: date) -> int:
    """Calendar months the period touches: 2026-12-01…2027-03-19 → 4 (Dec, Jan, Feb, Mar)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    return (end.year - start.year) * 12 + end.month - start.month + 1


def fee_lines(*, plan: FeePlan, inputs: FeeInputs) -> list[FeeLine]:
    """The lines ``plan`` charges for a project with ``inputs`` (amounts excluding tax)."""
    base = {
        "plan_id": plan.pk,
        "plan_name": plan.name,
        "plan_active_from": plan.active_from.isoformat(),
        "rule": plan.kind,
    }
    if plan.kind == FeePlanKind.FLAT_MONTHLY:
        return _flat_monthly(plan, inputs, base)
    if plan.kind == FeePlanKind.TIERED:
        return _tiered(plan, inputs, base)
    if plan.kind == FeePlanKind.INITIAL_PLUS_MONTHLY:
        return _initial_plus_monthly(plan, inputs, base)
    raise ValueError(f"unknown fee plan kind {plan.kind!r}")


def _period(inputs: FeeInputs) -> dict[str, Any]:
    return {
        "period_start": inputs.period_start.isoformat(),
        "period_end": inputs.period_end.isoformat(),
        "months": months_touched(inputs.period_start, inputs.period_end),
    }


def _flat_monthly(plan: FeePlan, inputs: FeeInputs, base: dict[str, Any]) -> list[FeeLine]:
    period = _period(inputs)
    return [
        FeeLine(
            description=_("CALSシステム利用料（月額 × 工期の月数）"),
            quantity=period["months"],
            unit=_("か月"),
            unit_price=plan.monthly_fee,
            explanation={**base, **period, "monthly_fee": plan.monthly_fee},
        )
    ]


def tier_for(tiers: list[dict[str, Any]], amount: int) -> tuple[int, dict[str, Any]]:
    """(index, tier) of the first tier whose ``up_to`` is at least ``amount`` (``None`` = no limit)."""
    for index, tier in enumerate(tiers):
        if tier.get("up_to") is None or amount <= tier["up_to"]:
            return index, tier
    raise ValueError("the tier table has no open-ended last tier")


def _tiered(plan: FeePlan, inputs: FeeInputs, base: dict[str, Any]) -> list[FeeLine]:
    index, tier = tier_for(plan.tiers, inputs.original_contract_amount)
    if tier.get("up_to") is None:
        bracket = _("%(lower)s円超") % {"lower": f"{plan.tiers[index - 1]['up_to']:,}"} if index else ""
    else:
        bracket = _("%(upper)s円以下") % {"upper": f"{tier['up_to']:,}"}
    return [
        FeeLine(
            description=_("CALSシステム利用料（請負金額 %(bracket)s）") % {"bracket": bracket},
            quantity=1,
            unit=_("式"),
            unit_price=int(tier["amount"]),
            explanation={
                **base,
                "original_contract_amount": inputs.original_contract_amount,
                "tier_index": index,
                "tier": dict(tier),
                "tiers": list(plan.tiers),
            },
        )
    ]


def _initial_plus_monthly(plan: FeePlan, inputs: FeeInputs, base: dict[str, Any]) -> list[FeeLine]:
    period = _period(inputs)
    billable = period["months"] - 1  # the first month is free
    lines = [
        FeeLine(
            description=_("CALSシステム初期費用"),
            quantity=1,
            unit=_("式"),
            unit_price=plan.initial_fee,
            explanation={**base, "part": "initial", "initial_fee": plan.initial_fee},
        )
    ]
    if billable > 0:
        lines.append(
            FeeLine(
                description=_("CALSシステム利用料（月額、初月無料）"),
                quantity=billable,
                unit=_("か月"),
                unit_price=plan.monthly_fee,
                explanation={
                    **base,
                    **period,
                    "part": "monthly",
                    "monthly_fee": plan.monthly_fee,
                    "free_months": 1,
                    "billable_months": billable,
                },
            )
        )
    return lines


# --- a change of the construction period after the fee was billed (services/adjustments.py) ---------

MONTHLY_PART = "monthly"


def fee_part(explanation: Mapping[str, Any]) -> str:
    """Which part of a fee a line charges — ``initial``, ``monthly`` or ``tiered`` — read from its
    explanation, so what was billed can be compared with a new calculation part by part."""
    part = explanation.get("part")
    if part:
        return str(part)
    rule = str(explanation.get("rule", ""))
    return MONTHLY_PART if rule == FeePlanKind.FLAT_MONTHLY else rule


def amounts_by_part(lines: Iterable[tuple[Mapping[str, Any], int]]) -> dict[str, int]:
    """Σ amount per fee part of ``(explanation, amount)`` pairs (negative amounts give back)."""
    amounts: dict[str, int] = {}
    for explanation, amount in lines:
        part = fee_part(explanation)
        amounts[part] = amounts.get(part, 0) + amount
    return amounts


def fee_change_lines(
    *,
    new_lines: Sequence[FeeLine],
    billed: Mapping[str, int],
    monthly_fee: int,
    explanation: Mapping[str, Any],
) -> list[FeeLine]:
    """The lines that take ``billed`` (yen per part) to ``new_lines``: per part, the difference — in
    whole months at ``monthly_fee`` where it divides (the usual case: the plan is the one billed),
    else one 式 line. Lines for less carry a negative unit price (a fee credit's lines)."""
    new = amounts_by_part((line.explanation, line.amount) for line in new_lines)
    parts = list(new) + [part for part in billed if part not in new]
    lines = []
    for part in parts:
        delta = new.get(part, 0) - billed.get(part, 0)
        if not delta:
            continue
        unit_price = monthly_fee
        detail = {**explanation, "rule": "fee_change", "part": part, "billed": billed.get(part, 0)}
        if part == MONTHLY_PART and unit_price > 0 and delta % unit_price == 0:
            more = delta > 0
            lines.append(
                FeeLine(
                    description=_("CALSシステム利用料 工期変更による追加（月額）")
                    if more
                    else _("CALSシステム利用料 工期変更による減額（月額）"),
                    quantity=abs(delta) // unit_price,
                    unit=_("か月"),
                    unit_price=unit_price if more else -unit_price,
                    explanation={**detail, "monthly_fee": unit_price, "months": abs(delta) // unit_price},
                )
            )
        else:
            lines.append(
                FeeLine(
                    description=_("CALSシステム利用料 工期変更による調整"),
                    quantity=1,
                    unit=_("式"),
                    unit_price=delta,
                    explanation=detail,
                )
            )
    return lines
