"""Template filters for dates in Japanese formats (English when the UI language is English)."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone, translation

from calsreg.core.era import format_era, format_japanese

register = template.Library()


def _as_local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def jdate(value: date | datetime | None, mode: str = "") -> str:
    """2026年11月24日(火); ``|jdate:"era"`` adds the era: 2026年11月24日（令和8年）."""
    if not value:
        return ""
    day = _as_local_date(value)
    if translation.get_language() == "en":
        return day.strftime("%a %d %b %Y") if mode != "era" else f"{day:%d %b %Y} ({format_era(day)})"
    if mode == "era":
        return f"{format_japanese(day)}（{format_era(day)}）"
    return format_japanese(day, weekday=True)


@register.filter
def jdatetime(value: datetime | None) -> str:
    """2026年11月24日(火) 09:05 in Japan time."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    if translation.get_language() == "en":
        return local.strftime("%d %b %Y %H:%M")
    return f"{format_japanese(local.date(), weekday=True)} {local:%H:%M}"


@register.filter
def jmonth(value: date | datetime | None) -> str:
    """2026年12月 (a billing month); Dec 2026 in English."""
    if not value:
        return ""
    day = _as_local_date(value)
    if translation.get_language() == "en":
        return day.strftime("%b %Y")
    return f"{day.year}年{day.month}月"
