"""The benchmark code works: populate and measure at a tiny size on the test database.

No timing is asserted (that is what ``python -m bench`` reports); what is asserted is that every page
answers, and that the queue and the detail page need the same number of queries at two sizes.
"""

from __future__ import annotations

import shutil

import psycopg
import pytest

from bench.pgcluster import start_cluster
from bench.queue import PAGES, queue_benchmark_size
from bench.report import results_table
from calsreg.applications.models import Application, ApplicationUser
from calsreg.directory.models import OrdererOffice


@pytest.mark.django_db
def test_queue_benchmark_populates_measures_and_keeps_query_counts_constant():
    small = queue_benchmark_size(size=30, repeat=1)
    large = queue_benchmark_size(size=60, repeat=1)

    assert Application.objects.count() == 60  # the second run replaced the first one's rows
    assert Application.objects.values("office").distinct().count() <= OrdererOffice.objects.count() == 12
    users = ApplicationUser.objects.count()
    assert 2 * 60 <= users <= 5 * 60
    for result in (small, large):
        assert list(result.timings) == [page.key for page in PAGES]
        assert all(timing.samples == 1 and timing.queries > 0 for timing in result.timings.values())
    assert small.timings["queue"].queries == large.timings["queue"].queries
    assert small.timings["detail"].queries == large.timings["detail"].queries
    table = results_table([small, large])
    assert "30: median / p95 (SQL)" in table
    assert "60: median / p95 (SQL)" in table


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("initdb") is None, reason="PostgreSQL's initdb is not on PATH")
def test_throwaway_cluster_answers_and_is_gone_after_stop():
    url, stop = start_cluster()
    try:
        with psycopg.connect(url) as connection:
            assert connection.execute("SELECT current_database()").fetchone() == ("calsreg",)
    finally:
        stop()

    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=2)
    stop()  # a second stop is harmless
