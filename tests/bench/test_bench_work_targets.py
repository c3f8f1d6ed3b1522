"""The arithmetic of the targets that are not one page, and finding the queue's oldest page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.cpu import Cost
from bench.targets import last_page_url, oldest_link, rows_table
from bench.web_target import WebRound, database_url_for, tree_cpu_seconds, web_row
from bench.work_targets import ZenginRounds, billing_row, registration_row, zengin_rows


def _costs(*cpu_ms: float) -> list[Cost]:
    return [Cost(ms, 0.0, ms) for ms in cpu_ms]


def test_zengin_rate_is_compared_with_copy_per_round_and_growth_from_smallest_to_largest():
    rounds = ZenginRounds(
        open_invoices={"open_1k": 1_000, "open_100k": 100_000},
        imported={"open_1k": _costs(300.0, 600.0, 300.0), "open_100k": _costs(390.0, 600.0, 450.0)},
        copied={"open_1k": _costs(30.0, 30.0, 60.0), "open_100k": _costs(30.0, 30.0, 30.0)},
        rss_mib={"open_1k": [2.0, 3.0, 1.0], "open_100k": [8.0, 40.0, 9.0]},
        matched={"open_1k": 250, "open_100k": 260},
    )

    small, big, growth = zengin_rows(rounds, records=300)

    # import rate ÷ COPY rate = COPY's CPU ÷ the import's, round by round: 0.1, 0.05, 0.2.
    assert (small.target, small.ratio.median, small.ratio.low, small.ratio.high) == (
        "zengin_open_1k",
        0.1,
        0.05,
        0.2,
    )
    assert small.met is True and big.met is False  # big: 30/390, 30/600, 30/450 → median 0.0667
    assert small.measured_ms.median == 1.0  # CPU ms per record: 300 ms / 300 records
    assert big.extra["peak_rss_growth_mib"] == {"median": 9.0, "max": 40.0}
    assert "peak RSS +40 MiB" in big.note and "260 matched" in big.note
    # growth per round: 1.3, 1.0, 1.5 → median 1.3, at the limit.
    assert (growth.target, growth.ratio.median, growth.ratio.high, growth.met) == (
        "zengin_growth",
        1.3,
        1.5,
        True,
    )


def test_billing_run_rate_is_the_bare_page_cost_over_the_invoice_cost():
    row = billing_row(_costs(40.0, 50.0, 20.0), _costs(16.0, 20.0, 16.0), invoices=1_000)

    # bare ÷ run per round: 0.4, 0.4, 0.8 → median 0.4, not met (goal ≥ 0.8).
    assert (row.ratio.median, row.ratio.high, row.met) == (0.4, 0.8, False)
    assert row.extra == {"invoices_per_cpu_second": 25.0, "bare_pages_per_cpu_second": 62.5}


def test_registration_reports_the_share_of_cpu_in_the_hasher_without_a_verdict():
    row = registration_row(_costs(1000.0, 2000.0, 1000.0), [800.0, 1000.0, 750.0], alone_ms=200.0, per=10)

    assert (row.ratio.median, row.met, row.extra["share_percent"]) == (0.75, None, 75.0)
    assert row.measured_ms.median == 100.0 and row.against_ms.median == 80.0  # per application
    assert "reported" in rows_table([row], sizes={})


def test_web_is_met_only_when_cpu_p95_and_errors_all_are():
    static = [WebRound(0.8, 1000, 50.0, 0)] * 3
    good = [WebRound(5.0, 900, 280.0, 0), WebRound(6.0, 900, 300.0, 0), WebRound(7.0, 900, 310.0, 0)]
    slow = [WebRound(5.0, 900, 301.0, 0)] * 3
    failing = [WebRound(5.0, 900, 100.0, 1), *good[:2]]

    row = web_row(good, static, users=50, database_counted=True)

    assert (row.measured_ms.median, row.ratio.median, row.met) == (6.0, 7.5, True)
    assert web_row(slow, static, users=50, database_counted=True).met is False
    assert web_row(failing, static, users=50, database_counted=True).met is False
    assert "PostgreSQL CPU unavailable" in web_row(good, static, users=50, database_counted=False).note


def test_database_cpu_counts_the_postmaster_its_children_and_their_reaped_children(tmp_path: Path):
    def stat(pid: int, ppid: int, utime: int, stime: int, cutime: int, cstime: int) -> None:
        (tmp_path / str(pid)).mkdir()
        fields = ["S", ppid, *[0] * 9, utime, stime, cutime, cstime, 0]
        (tmp_path / str(pid) / "stat").write_text(f"{pid} (post gres) " + " ".join(map(str, fields)))

    stat(10, 1, 100, 0, 50, 0)  # the postmaster, with exited backends in cutime
    stat(11, 10, 20, 10, 0, 0)  # a backend
    stat(12, 99, 1000, 0, 0, 0)  # someone else's
    ticks = os.sysconf("SC_CLK_TCK")

    assert tree_cpu_seconds(10, proc=tmp_path) == pytest.approx(180 / ticks)


def test_the_server_is_pointed_at_the_data_sets_database():
    url = "postgres://bench@127.0.0.1:5433/calsreg?host=/tmp/x"

    assert database_url_for("calsreg_web", url) == "postgres://bench@127.0.0.1:5433/calsreg_web?host=/tmp/x"


def test_last_page_follows_rel_last_then_an_oldest_link_then_falls_back_to_a_page_number():
    rel_last = '<a href="?before=9" rel="prev">新しい</a><a rel="last" href="?cursor=abc&amp;x=1">»</a>'
    oldest = '<nav><a href="?after=5">次へ</a> <a href="/desk/?oldest=1">最も古い</a></nav>'
    data_nav = '<a data-nav="oldest" href="?c=z">⇥</a>'

    assert oldest_link(rel_last) == "?cursor=abc&x=1"
    assert last_page_url(rel_last, first_url="/desk/", size=10) == "/desk/?cursor=abc&x=1"
    assert last_page_url(oldest, first_url="/desk/", size=10) == "/desk/?oldest=1"
    assert oldest_link(data_nav) == "?c=z"
    assert last_page_url("<p>no links</p>", first_url="/desk/", size=101) == "/desk/?page=3"


def test_small_ratios_keep_their_digits_and_shares_print_in_percent():
    copy = billing_row(_costs(1000.0), _costs(4.0), invoices=1)
    share = registration_row(_costs(100.0), [82.0], alone_ms=1.0, per=1)

    table = rows_table([copy, share], sizes={})

    assert "0.0040×" in table and "1000.0 vs 4.0" in table
    assert "82 % (82–82)" in table
