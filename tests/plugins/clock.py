"""Run the whole suite with the clock shifted, so a test that depends on today's date fails the day it
is written, not months later.

``CALSREG_TEST_CLOCK_SHIFT_DAYS=400 make test`` moves the clock that every test starts from (and that
``time.time``, ``datetime.now`` and ``date.today`` read, in every thread) that many days ahead for the
whole session; it keeps ticking. A test that travels explicitly (``time_machine.travel``) still gets the
moment it asked for: only the tests that read the real date see the shift. ``.ci/run`` runs one of its
two database passes shifted.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

SHIFT_VARIABLE = "CALSREG_TEST_CLOCK_SHIFT_DAYS"
_traveller = None


def shift_days() -> int:
    value = os.environ.get(SHIFT_VARIABLE, "").strip()
    if not value:
        return 0
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(f"{SHIFT_VARIABLE} must be a whole number of days, not {value!r}") from None


def pytest_configure(config: pytest.Config) -> None:
    global _traveller
    days = shift_days()
    if not days:
        return
    import time_machine

    destination = datetime.now(UTC) + timedelta(days=days)
    _traveller = time_machine.travel(destination, tick=True)
    _traveller.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config: pytest.Config) -> str | None:
    days = shift_days()
    if not days:
        return None
    return f"clock shifted {days:+d} days ({SHIFT_VARIABLE}): tests start on {datetime.now(UTC):%Y-%m-%d}"
