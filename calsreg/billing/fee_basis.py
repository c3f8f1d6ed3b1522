"""The calculation basis of an invoice line, readable: 「月額4,000円 × 4か月（2026年12月〜2027年3月）」.

Built from the line's stored ``explanation`` (fees.py writes it, with the rule and every input), so
what the desk shows is what was computed, never a recalculation with today's plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.billing.models import FeePlanKind


def fee_basis_text(explanation: Mapping[str, Any]) -> str:
    """One line of Japanese saying how the amount was reached; "" when nothing was recorded."""
    rule = str(explanation.get("rule", ""))
    if rule == "fee_change":
        return str(explanation.get("change_text") or _monthly(explanation))
    if rule == "credit_note":
        return _("請求書 %(number)s の明細%(line)s行目の取消") % {
            "number": explanation.get("credited_invoice", "-"),
            "line": explanation.get("credited_line", "-"),
        }
    if rule == FeePlanKind.TIERED:
        return _tiered(explanation)
    if explanation.get("part") == "initial":
        return _("初期費用 %(fee)s円") % {"fee": _yen(explanation.get("initial_fee"))}
    if rule in (FeePlanKind.FLAT_MONTHLY, FeePlanKind.INITIAL_PLUS_MONTHLY):
        return _monthly(explanation)
    return ""


def _monthly(explanation: Mapping[str, Any]) -> str:
    months = explanation.get("billable_months", explanation.get("months"))
    text = _("月額%(fee)s円 × %(months)sか月") % {
        "fee": _yen(explanation.get("monthly_fee")),
        "months": months,
    }
    period = _period(explanation)
    if explanation.get("free_months"):
        period = _("%(period)s、初月無料") % {"period": period} if period else _("初月無料")
    return f"{text}（{period}）" if period else text


def _tiered(explanation: Mapping[str, Any]) -> str:
    tier = explanation.get("tier") or {}
    upper = tier.get("up_to")
    bracket = _("%(upper)s円以下の区分") % {"upper": _yen(upper)} if upper is not None else _("最上位の区分")
    return _("当初の請負金額 %(amount)s円 → %(bracket)s %(fee)s円") % {
        "amount": _yen(explanation.get("original_contract_amount")),
        "bracket": bracket,
        "fee": _yen(tier.get("amount")),
    }


def _period(explanation: Mapping[str, Any]) -> str:
    try:
        start = date.fromisoformat(str(explanation["period_start"]))
        end = date.fromisoformat(str(explanation["period_end"]))
    except (KeyError, ValueError):
        return ""
    return _("%(start)s〜%(end)s") % {
        "start": f"{start.year}年{start.month}月",
        "end": f"{end.year}年{end.month}月",
    }


def _yen(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "-"
