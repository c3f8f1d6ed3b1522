"""The search benchmark works at a tiny size on the test database: accounts are written from the
applications' users, every search answers, and each needs the same number of queries at both sizes."""

from __future__ import annotations

import pytest

from bench.__main__ import _parser
from bench.search import results_table, search_benchmark_size
from calsreg.accounts.models import Role, User


@pytest.mark.django_db
def test_search_benchmark_populates_accounts_and_keeps_query_counts_constant():
    small = search_benchmark_size(size=20, repeat=1)
    large = search_benchmark_size(size=60, repeat=1)

    assert User.objects.filter(role=Role.CONTRACTOR).count() == large.accounts == 180
    assert list(small.timings) == list(large.timings)
    for key in small.timings:
        assert small.timings[key].queries == large.timings[key].queries, key
    assert "× queue p1" in results_table([small, large])


def test_the_command_line_knows_the_search_benchmark():
    assert _parser().parse_args(["search"]).benchmark == "search"
