"""Charts drawn on the server as inline SVG: no script, no CDN (the machines are offline).

Each function returns a ``Chart`` — rectangles, text and grid lines in SVG user units — that
``desk/dashboard/chart.svg.html`` renders. Every bar carries a ``<title>`` (shown on hover and read
by screen readers); the page puts the same figures in a table beside each chart.

Colours are the Okabe–Ito palette, told apart with the common forms of colour blindness.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.functional import Promise

PALETTE = ("#56B4E9", "#0072B2", "#E69F00", "#F0E442", "#009E73", "#CC79A7", "#D55E00", "#999999")
FONT_SIZE = 12


@dataclass(frozen=True)
class Series:
    key: str
    label: Promise | str
    fill: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"  # SVG text-anchor


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    key: str  # unique on the page: ids of <title> and <desc>
    width: int
    height: int
    title: str
    description: str
    series: Sequence[Series]
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    grid: list[Line] = field(default_factory=list)
    axes: list[Line] = field(default_factory=list)


def nice_scale(maximum: float, *, ticks: int = 5) -> tuple[float, float]:
    """An axis end ≥ ``maximum`` and a tick step of 1, 2 or 5 × 10ⁿ giving at most ``ticks`` steps."""
    if maximum <= 0:
        return 1.0, 1.0
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return math.ceil(maximum / step) * step, float(step)


def _round(value: float) -> float:
    return round(value, 1)


def stacked_bars(
    *,
    key: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Mapping[str, float]],
    value_text: Callable[[float], str],
    width: int = 760,
    height: int = 300,
) -> Chart:
    """Vertical bars, one per category, each stacked from ``series`` in order (bottom first)."""
    left, right, top, bottom = 48, 12, 12, 36
    plot_width, plot_height = width - left - right, height - top - bottom
    maximum = max((sum(v.get(s.key, 0) for s in series) for v in values), default=0)
    end, step = nice_scale(maximum)
    chart = Chart(key=key, width=width, height=height, title=title, description=description, series=series)
    tick = 0.0
    while tick <= end + step / 2:
        y = _round(top + plot_height - tick / end * plot_height)
        chart.grid.append(Line(left, y, width - right, y))
        chart.texts.append(Text(left - 6, _round(y + FONT_SIZE / 3), f"{tick:,.0f}", anchor="end"))
        tick += step
    slot = plot_width / max(1, len(categories))
    bar_width = _round(slot * 0.68)
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = _round(left + index * slot + (slot - bar_width) / 2)
        base = float(top + plot_height)
        for item in series:
            value = row.get(item.key, 0)
            if value <= 0:
                continue
            bar_height = value / end * plot_height
            base -= bar_height
            chart.rects.append(
                Rect(
                    x,
                    _round(base),
                    bar_width,
                    _round(bar_height),
                    item.fill,
                    f"{category} {item.label}: {value_text(value)}",
                )
            )
        chart.texts.append(Text(_round(left + index * slot + slot / 2), height - bottom + 18, category))
    chart.axes.append(Line(left, top + plot_height, width - right, top + plot_height))
    return chart


def grouped_hbars(
    *,
    key: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Mapping[str, float | None]],
    value_text: Callable[[float], str],
    width: int = 760,
    label_width: int = 200,
    bar_height: int = 14,
) -> Chart:
    """Horizontal bars: one row per category, one bar per series in it, the value written after it."""
    left, right, top = label_width, 150, 8
    gap = 10
    row_height = bar_height * len(series) + gap
    height = top + row_height * len(categories) + 4
    plot_width = width - left - right
    maximum = max((v or 0 for row in values for v in row.values()), default=0)
    end, _step = nice_scale(maximum)
    chart = Chart(key=key, width=width, height=height, title=title, description=description, series=series)
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        y = top + index * row_height
        chart.texts.append(
            Text(left - 8, _round(y + bar_height * len(series) / 2 + FONT_SIZE / 3), category, anchor="end")
        )
        for position, item in enumerate(series):
            value = row.get(item.key)
            bar_y = y + position * bar_height
            if value is None:
                chart.texts.append(Text(left + 4, _round(bar_y + bar_height - 3), "—", anchor="start"))
                continue
            bar_width = _round(max(1.0, value / end * plot_width)) if value > 0 else 0.0
            chart.rects.append(
                Rect(
                    left,
                    _round(bar_y + 1),
                    bar_width,
                    bar_height - 2,
                    item.fill,
                    f"{category} {item.label}: {value_text(value)}",
                )
            )
            chart.texts.append(
                Text(
                    _round(left + bar_width + 4),
                    _round(bar_y + bar_height - 3),
                    value_text(value),
                    anchor="start",
                )
            )
    chart.axes.append(Line(left, top - 2, left, height - 4))
    return chart
