"""The targets table: every figure of issue 13's table as a measured ratio with its goal beside it.

A page target compares the server CPU of one page (Django process + PostgreSQL backend, per
request) on two sides: the same page on a small and a big data set, or a desk page and the admin's
changelist on one data set. All sides of the chosen targets are measured in rounds, the order
reversed every round (``bench.stats.interleaved``), against databases populated once and kept side
by side (``bench.sidebyside``). Each round gives one ratio; the table gives the median ratio, its
min–max over the rounds, the goal and "met" / "not met".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from bench.cpu import UNAVAILABLE, Cost, backend_pid, measured
from bench.stats import Spread, interleaved, ratios

SIZES = {"small": 1_000, "big": 100_000, "huge": 1_000_000}
QUICK_SIZES = {"small": 200, "big": 2_000, "huge": 5_000}
# The other targets' data sets: open invoices for the Zengin import, drafts for the billing run,
# applications behind the web mix; registration starts from the directory alone.
WORK_SIZES = {
    "open_1k": 1_000,
    "open_10k": 10_000,
    "open_100k": 100_000,
    "drafts": 1_000,
    "registration": 20,
    "mailbox": 1_000,  # messages per round (bench/mailbox_target.py)
    "web": 10_000,
}
QUICK_WORK_SIZES = {
    "open_1k": 400,  # ≥ 300 / 0.9: every transfer can pay an open invoice, as at full size
    "open_10k": 1_000,
    "open_100k": 2_000,
    "drafts": 20,
    "registration": 2,
    "mailbox": 100,
    "web": 500,
}
QUEUE_PAGE_SIZE = 50
TEXT_QUERY = "護岸"  # in about one project name in twelve (bench.words.WORKS)
RARE_STATUS = "submitted"  # few applications (recent ones only)
COMMON_STATUS = "in_service"  # most applications


@dataclass(frozen=True)
class Goal:
    op: str  # "<=" or ">="
    limit: float

    def met(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit

    def text(self, unit: str = "×") -> str:
        return f"{'≤' if self.op == '<=' else '≥'} {self.limit:g}{unit}"


@dataclass(frozen=True)
class Side:
    """One page on one data set, requested by one kind of user."""

    dataset: str  # "small", "big", "huge"
    page: str  # a key of PAGE_URLS
    user: str = "desk"  # "desk", "admin" (superuser) or "administrator" (role, every dashboard panel)


@dataclass(frozen=True)
class Target:
    key: str
    group: str  # for --only
    label: str
    baseline: str
    measured: Side
    against: Side
    goal: Goal


def _queue_url(kind: str, *, size: int) -> str:
    from django.urls import reverse

    queue = reverse("desk:queue")
    query = {
        "first": {},
        "last": {"page": max(1, math.ceil(size / QUEUE_PAGE_SIZE))},
        "text": {"q": TEXT_QUERY},
        "status_rare": {"status": RARE_STATUS},
        "status_common": {"status": COMMON_STATUS},
    }[kind]
    return f"{queue}?{urlencode(query)}" if query else queue


OLDEST_WORDS = ("最も古い", "oldest")


class _Links(HTMLParser):
    """Every ``<a href>`` of a page with its ``rel``, ``data-nav`` and text."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []
        self._open: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            found = {name: value or "" for name, value in attrs}
            if "href" in found:
                self._open = {**found, "text": ""}
                self.links.append(self._open)

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None


def oldest_link(html: str) -> str | None:
    """The queue's link to its last (oldest) page: ``rel="last"`` first, else a link whose
    ``data-nav`` or text says oldest (keyset pagination puts a cursor in it); None if there is none."""
    parser = _Links()
    parser.feed(html)
    for link in parser.links:
        if "last" in link.get("rel", "").split():
            return link["href"]
    for link in parser.links:
        words = f"{link.get('data-nav', '')} {link['text']}".lower()
        if any(word in words for word in OLDEST_WORDS):
            return link["href"]
    return None


def last_page_url(first_page_html: str, *, first_url: str, size: int) -> str:
    """Where "last page" goes: the oldest link found on page 1 (relative to it), else ``?page=<last>``."""
    from urllib.parse import urljoin

    link = oldest_link(first_page_html)
    if link:
        return urljoin(first_url, link.replace("&amp;", "&"))
    return _queue_url("last", size=size)


def page_url(page: str, *, size: int) -> str:
    """The URL of ``page`` on a data set of ``size`` applications (for ``queue_last``, the
    ``?page=<last>`` fallback: ``last_page_url`` finds the real one on page 1)."""
    from django.urls import reverse

    if page.startswith("queue_"):
        return _queue_url(page.removeprefix("queue_"), size=size)
    if page == "admin_changelist":
        return reverse("admin:applications_application_changelist")
    if page == "dashboard":
        return reverse("desk:dashboard")
    raise KeyError(page)


def _growth(
    key: str, group: str, label: str, page: str, *, small: str, big: str, user: str = "desk"
) -> Target:
    return Target(
        key, group, label, f"same at {small}", Side(big, page, user), Side(small, page, user), Goal("<=", 1.3)
    )


def page_targets() -> list[Target]:
    queue = [
        ("queue_first", "desk queue page 1", "queue_first"),
        ("queue_last", "desk queue last page", "queue_last"),
        ("queue_text", f"desk queue text filter {TEXT_QUERY}", "queue_text"),
        ("queue_status_rare", f"desk queue status filter ({RARE_STATUS})", "queue_status_rare"),
        ("queue_status_common", f"desk queue status filter ({COMMON_STATUS})", "queue_status_common"),
    ]
    targets = [
        _growth(key, "queue", f"{label}, small → big", page, small="small", big="big")
        for key, label, page in queue
    ]
    for key, label, page in queue[:3]:
        targets.append(
            Target(
                f"admin_{key}",
                "admin",
                f"{label} ÷ admin changelist at big",
                "admin changelist at big",
                Side("big", page),
                Side("big", "admin_changelist", "admin"),
                Goal("<=", 0.5),
            )
        )
    for key, label, page in queue[:3]:
        targets.append(
            _growth(f"million_{key}", "million", f"{label}, big → huge", page, small="big", big="huge")
        )
    targets.append(
        _growth(
            "dashboard",
            "dashboard",
            "dashboard (administrator), small → big",
            "dashboard",
            small="small",
            big="big",
            user="administrator",
        )
    )
    return targets


@dataclass
class Row:
    """One line of the table."""

    target: str
    label: str
    baseline: str
    goal: str
    ratio: Spread | None = None
    measured_ms: Spread | None = None  # CPU per request (or per unit) of the measured side
    against_ms: Spread | None = None
    met: bool | None = None  # None: not measured in this run
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def spread(value: Spread | None) -> dict[str, float] | None:
            return None if value is None else {"median": value.median, "min": value.low, "max": value.high}

        return {
            "target": self.target,
            "label": self.label,
            "baseline": self.baseline,
            "goal": self.goal,
            "ratio": spread(self.ratio),
            "measured_cpu_ms": spread(self.measured_ms),
            "baseline_cpu_ms": spread(self.against_ms),
            "met": self.met,
            "note": self.note,
            **self.extra,
        }


def verdict_row(target: Target, measured_costs: Sequence[Cost], against_costs: Sequence[Cost]) -> Row:
    """The row of ``target`` from the per-round costs of its two sides."""
    mine = [cost.cpu_ms for cost in measured_costs]
    theirs = [cost.cpu_ms for cost in against_costs]
    ratio = Spread.of(ratios(mine, theirs))
    backend_known = all(cost.backend_ms is not None for cost in (*measured_costs, *against_costs))
    return Row(
        target.key,
        target.label,
        target.baseline,
        target.goal.text(),
        ratio=ratio,
        measured_ms=Spread.of(mine),
        against_ms=Spread.of(theirs),
        met=target.goal.met(ratio.median),
        note="" if backend_known else UNAVAILABLE,
        extra={"wall_ms": Spread.of([c.wall_ms for c in measured_costs]).median},
    )


Request = Callable[[Side], None]


def run_page_targets(
    targets: Sequence[Target], *, rounds: int, repeat: int, use: Callable[[str], None], request: Request
) -> list[Row]:
    """Measure every side of ``targets`` in interleaved rounds and return their rows.

    ``use(dataset)`` switches the database; ``request(side)`` makes one request and raises if it fails.
    The sides are grouped by data set (fewer switches) and the order reversed every round.
    """
    sides = sorted(
        {t.measured for t in targets} | {t.against for t in targets},
        key=lambda s: (s.dataset, s.page, s.user),
    )
    costs: dict[Side, list[Cost]] = {side: [] for side in sides}
    for _round, side in interleaved(sides, rounds=rounds):
        use(side.dataset)
        request(side)  # warm-up: a fresh connection after a switch, template caches
        pid = backend_pid()
        cost = measured(lambda side=side: [request(side) for _ in range(repeat)], backend=pid)
        costs[side].append(cost.per(repeat))
    return [verdict_row(t, costs[t.measured], costs[t.against]) for t in targets]


def rows_table(rows: Sequence[Row], *, sizes: dict[str, int]) -> str:
    """The table for the terminal: target | baseline | ratio (min–max) | CPU ms | goal | met."""
    from bench.report import _line, _width

    headers = ["target", "baseline", "ratio, median (min–max)", "CPU ms/request", "goal", "met"]
    lines_rows = []
    for row in rows:
        if row.met is None and row.ratio is None:
            lines_rows.append(
                [
                    _sized(row.label, sizes),
                    _sized(row.baseline, sizes),
                    "–",
                    "–",
                    row.goal,
                    f"not measured: {row.note}",
                ]
            )
            continue
        assert row.ratio and row.measured_ms and row.against_ms
        lines_rows.append(
            [
                _sized(row.label, sizes),
                _sized(row.baseline, sizes),
                _ratio_text(row),
                f"{_ms(row.measured_ms.median)} vs {_ms(row.against_ms.median)}",
                row.goal,
                _verdict(row.met) + (f" ({row.note})" if row.note and row.note != "reported" else ""),
            ]
        )
    widths = [max(_width(r[i]) for r in [headers, *lines_rows]) for i in range(len(headers))]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    return "\n".join(lines + [_line(r, widths) for r in lines_rows])


def _ratio_text(row: Row) -> str:
    """The ratio with enough digits to read a small one (0.004×); a share (``%`` rows) in percent."""
    assert row.ratio is not None
    if row.extra.get("share_percent") is not None:
        low, high = row.ratio.low * 100, row.ratio.high * 100
        return f"{row.ratio.median * 100:.0f} % ({low:.0f}–{high:.0f})"
    return row.ratio.text(unit="×", digits=2 if row.ratio.median >= 0.1 else 4)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 1 else f"{value:.3f}"


def _verdict(met: bool | None) -> str:
    return "reported" if met is None else "met" if met else "NOT MET"


def _sized(text: str, sizes: dict[str, int]) -> str:
    for name, size in sizes.items():
        text = text.replace(name, f"{size:,}")
    return text
