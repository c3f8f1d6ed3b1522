"""The dashboard benchmark works: populate and measure at two tiny sizes on the test database. No timing
is asserted (that is what ``python -m bench dashboard`` reports); what is asserted is that every page
answers and needs the same number of queries at both sizes, and that the data looks like the desk's."""

from __future__ import annotations

import pytest
from django.db.models import F

from bench.__main__ import _parser
from bench.dashboard import PAGES, dashboard_benchmark_size, results_table
from calsreg.accounts.models import Project
from calsreg.applications.models import Application
from calsreg.billing.models import Invoice
from calsreg.changes.models import ChangeRequest


@pytest.mark.django_db
def test_dashboard_benchmark_populates_measures_and_keeps_query_counts_constant():
    small = dashboard_benchmark_size(size=40, repeat=1)
    large = dashboard_benchmark_size(size=120, repeat=1)

    assert Application.objects.count() == 120  # the second run replaced the first one's rows
    in_service = Application.objects.filter(status="in_service")
    assert in_service.filter(in_service_at__isnull=True).count() == 0
    assert in_service.filter(confirmed_at__gt=F("registered_at")).count() == 0
    assert Project.objects.count() == Invoice.objects.count() == in_service.count()
    assert ChangeRequest.objects.count() >= 1
    for result in (small, large):
        assert list(result.timings) == [page.key for page in PAGES]
    for page in PAGES:
        assert small.timings[page.key].queries == large.timings[page.key].queries, page.key
    table = results_table([small, large])
    assert "40: median / p95 (SQL)" in table and "120: median / p95 (SQL)" in table


def test_the_command_line_knows_the_dashboard_benchmark():
    args = _parser().parse_args(["dashboard", "--sizes", "1000,100000"])

    assert (args.benchmark, args.sizes) == ("dashboard", [1_000, 100_000])
