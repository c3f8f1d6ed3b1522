"""Filters for mail templates, whose stored context holds JSON values only (datetimes as ISO text)."""

from __future__ import annotations

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def isodatetime(value: str | None) -> datetime | None:
    """``"2026-11-24T09:05:00+09:00"`` → an aware datetime, to chain with ``|jdatetime``."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
