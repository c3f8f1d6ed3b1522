"""The load benchmark works: generated data, the production server started by scripts/serve.sh
(gunicorn + task workers) on the test database and the test's clock, signed-in users driving every
page kind over real HTTP. No timing is asserted (that is what ``python -m bench load`` reports); what
is asserted is that every page kind was requested and nothing failed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from bench.__main__ import _defaults, _parser
from bench.load import KINDS, Server, drive, load_data, result_text
from tests.plugins.processes import database_url, media_root

# A weekday in office hours; the generated data is dated back from it.
A_WEEKDAY = datetime(2027, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the load benchmark runs on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_load_benchmark_drives_every_page_kind_through_the_production_server_without_errors():
    # given
    with time_machine.travel(A_WEEKDAY, tick=True):
        data = load_data(applications=200, seed=2026)
        server = Server.start(
            say=lambda _message: None,
            python=(sys.executable, "-m", "tests.plugins.clocked"),
            env={
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "DATABASE_URL": database_url(),
                "CALSREG_MEDIA_ROOT": media_root(),
                "CALSREG_TEST_CLOCK_AT": datetime.now(UTC).isoformat(),
                "CALSREG_TEST_CLOCK_SHIFT_DAYS": "0",
                # No collectstatic into the checkout: the files straight from static/.
                "CALSREG_STATIC_COLLECTED": "0",
                "CALSREG_WEB_WORKERS": "2",
            },
        )
    try:
        # when
        result = drive(data, base=server.base, users=5, seconds=5, seed=2026, say=lambda _message: None)
    finally:
        server_cpu = server.stop()

    # then
    assert dict(result.recorder.errors) == {}
    assert sorted(result.recorder.samples) == sorted(KINDS)
    assert all(len(result.recorder.samples[kind]) >= 5 for kind in KINDS)
    text = result_text(result, users=5, seconds=5, server_cpu=server_cpu)
    assert "errors: none" in text


def test_the_command_line_runs_the_load_benchmark_with_50_users_for_two_minutes_by_default():
    defaults = _defaults(_parser().parse_args(["load"]), ["load"])
    given = _defaults(
        _parser().parse_args(["load", "--users", "5", "--seconds", "5"]), ["load", "--users", "5"]
    )

    assert (defaults.users, defaults.seconds, defaults.applications) == (50, 120.0, 10_000)
    assert (given.users, given.seconds) == (5, 5.0)
