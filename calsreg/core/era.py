"""Japanese era dates (和暦) for documents that customarily show them.

Only eras that can appear on a current document are listed: 平成 (from 1989-01-08) and 令和
(from 2019-05-01). Year 1 is written 元年.
"""

from __future__ import annotations

from datetime import date

ERAS = [
    (date(2019, 5, 1), "令和", "R"),
    (date(1989, 1, 8), "平成", "H"),
]
WEEKDAYS_JA = "月火水木金土日"


def era_of(day: date) -> tuple[str, int]:
    for start, name, _letter in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"{day} is before the eras this system handles")


def era_year_text(day: date) -> str:
    name, year = era_of(day)
    return f"{name}{'元' if year == 1 else year}年"


def format_era(day: date) -> str:
    """令和8年11月24日"""
    return f"{era_year_text(day)}{day.month}月{day.day}日"


def format_japanese(day: date, *, weekday: bool = False) -> str:
    """2026年11月24日 (or 2026年11月24日(火))"""
    text = f"{day.year}年{day.month}月{day.day}日"
    if weekday:
        text += f"({WEEKDAYS_JA[day.weekday()]})"
    return text
