"""The targets table's arithmetic and a tiny end-to-end run of one target on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cpu import Cost, process_cpu_ns, schedstat_ns
from bench.hooks import REFRESH_HOOKS, refresh_hooks
from bench.run_targets import chosen, datasets_needed, work_chosen
from bench.stats import Spread, interleaved, ratios
from bench.targets import Goal, Side, Target, page_targets, run_page_targets, verdict_row


def test_rounds_alternate_direction_so_both_sides_share_the_noise():
    order = interleaved(["small", "big"], rounds=3)

    assert order == [(0, "small"), (0, "big"), (1, "big"), (1, "small"), (2, "small"), (2, "big")]


def test_spread_is_the_median_with_min_and_max():
    spread = Spread.of([3.0, 1.0, 2.0, 10.0])

    assert (spread.median, spread.low, spread.high) == (2.5, 1.0, 10.0)
    assert spread.text(unit="×") == "2.50× (1.00–10.00)"
    assert Spread.of([1.25]).text(unit="×") == "1.25×"


def test_ratios_are_taken_within_each_round():
    assert ratios([2.0, 6.0, 3.0], [1.0, 2.0, 3.0]) == [2.0, 3.0, 1.0]
    with pytest.raises(ValueError):
        ratios([1.0], [1.0, 2.0])


def test_goal_met_at_the_limit_and_not_beyond():
    at_most = Goal("<=", 1.3)
    at_least = Goal(">=", 0.8)

    assert (at_most.met(1.3), at_most.met(1.31), at_least.met(0.8), at_least.met(0.79)) == (
        True,
        False,
        True,
        False,
    )
    assert (at_most.text(), at_least.text()) == ("≤ 1.3×", "≥ 0.8×")


def test_verdict_uses_the_median_round_ratio_and_notes_a_missing_backend():
    target = Target(
        "t", "queue", "page", "same at small", Side("big", "p"), Side("small", "p"), Goal("<=", 1.3)
    )
    big = [Cost(10.0, 2.0, 20.0), Cost(14.0, 1.0, 20.0), Cost(12.0, 0.0, 20.0)]
    small = [Cost(10.0, 0.0, 10.0), Cost(10.0, 0.0, 10.0), Cost(10.0, 0.0, 10.0)]

    row = verdict_row(target, big, small)
    blind = verdict_row(target, [Cost(13.0, None, 1.0)], [Cost(10.0, None, 1.0)])

    assert (row.ratio.median, row.ratio.low, row.ratio.high, row.met, row.note) == (1.2, 1.2, 1.5, True, "")
    assert (blind.met, blind.note) == (True, "backend CPU unavailable")


def test_schedstat_first_field_is_cpu_nanoseconds(tmp_path: Path):
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "schedstat").write_text("123456789 555 7\n")

    assert schedstat_ns("987 1 2\n") == 987
    assert process_cpu_ns(42, proc=tmp_path) == 123456789
    assert process_cpu_ns(43, proc=tmp_path) is None  # unreadable: reported, not fatal
    with pytest.raises(ValueError):
        schedstat_ns("")


def test_only_selects_groups_or_keys_and_refuses_unknown_names():
    targets = page_targets()

    assert {t.group for t in chosen(targets, ["dashboard"])} == {"dashboard"}
    assert [t.key for t in chosen(targets, ["queue_last"])] == ["queue_last"]
    assert datasets_needed(chosen(targets, ["million"])) == {"big": "applications", "huge": "applications"}
    assert datasets_needed(chosen(targets, ["dashboard", "queue_first"]))["big"] == "dashboard"
    assert chosen(targets, ["web"]) == [] and work_chosen(["web", "queue"]) == ["web"]
    assert datasets_needed([], ["zengin", "billing_run"]) == {
        "open_1k": "open_invoices",
        "open_10k": "open_invoices",
        "open_100k": "open_invoices",
        "drafts": "drafts",
    }
    with pytest.raises(ValueError):
        chosen(targets, ["nonsense"])


def test_refresh_hooks_look_for_the_agreed_names():
    assert REFRESH_HOOKS == (
        ("calsreg.applications.services.search_index", "search_index_rebuild"),
        ("calsreg.applications.services.status_counts", "status_counts_rebuild"),
        ("calsreg.desk.dashboard.rebuild", "lead_times_rebuild"),
        ("calsreg.billing.services.payments", "invoice_paid_amounts_rebuild"),
        ("calsreg.billing.services.payments", "invoice_payer_keys_rebuild"),
    )
    assert all(callable(function) for _, function in refresh_hooks())


@pytest.mark.django_db  # the backend's PID is asked for on PostgreSQL
def test_sides_are_measured_interleaved_per_round_with_one_warm_up_each():
    target = Target(
        "t", "queue", "page", "same at small", Side("big", "p"), Side("small", "p"), Goal("<=", 1.3)
    )
    switches: list[str] = []
    requests: list[str] = []

    rows = run_page_targets(
        [target], rounds=2, repeat=2, use=switches.append, request=lambda side: requests.append(side.dataset)
    )

    assert switches == ["big", "small", "small", "big"]
    assert requests == ["big"] * 3 + ["small"] * 3 + ["small"] * 3 + ["big"] * 3
    assert rows[0].target == "t" and rows[0].met is not None


@pytest.mark.django_db
def test_a_tiny_run_of_one_target_measures_real_pages_on_two_data_sets(settings):
    from bench.run_targets import dataset_populate, page_requester
    from calsreg.applications.models import Application

    target = next(t for t in page_targets() if t.key == "queue_last")
    sizes = {"small": 20, "big": 60}
    counts: dict[str, int] = {}

    def use(dataset: str) -> None:  # one test database: repopulate instead of switching
        Application.objects.all().delete()
        dataset_populate(size=sizes[dataset], kind="applications", seed=1, say=lambda message: None)
        counts[dataset] = Application.objects.count()

    rows = run_page_targets([target], rounds=1, repeat=1, use=use, request=page_requester(sizes))

    assert counts == {"small": 20, "big": 60}
    assert rows[0].ratio is not None and rows[0].ratio.median > 0
