"""The arithmetic of a bench run: the interleaved order of measurements, and medians with spreads.

Sizes are measured in rounds, each round in the opposite order of the one before (small, big, big,
small, small, big …), so that whatever else the machine does in a stretch of time hits both sides
of a ratio alike. A ratio is taken within each round, and the report gives the median of the
per-round ratios with their minimum and maximum.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def interleaved(keys: Sequence[T], *, rounds: int) -> list[tuple[int, T]]:
    """``(round, key)`` pairs: round 0 in the given order, round 1 reversed, and so on."""
    order = []
    for number in range(rounds):
        sequence = keys if number % 2 == 0 else list(reversed(keys))
        order.extend((number, key) for key in sequence)
    return order


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no values")
        return cls(statistics.median(values), min(values), max(values))

    def text(self, *, unit: str = "", digits: int = 2) -> str:
        if self.low == self.high:
            return f"{self.median:.{digits}f}{unit}"
        return f"{self.median:.{digits}f}{unit} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-round ratios (round i of the numerator over round i of the denominator)."""
    if len(numerators) != len(denominators):
        raise ValueError("one value per round on each side")
    return [n / d if d else float("inf") for n, d in zip(numerators, denominators, strict=True)]
