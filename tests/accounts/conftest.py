"""The accounts tests run on a fixed day unless a test travels elsewhere itself.

A start of use must fall within the construction period (``start_day_check``), and the builders in
``helpers.py`` give every project the period 2026-12-01 – 2027-03-19: on the real date a test that
starts use would pass today and fail once the period is over. 2026-12-07 is inside it.
"""

from __future__ import annotations

import pytest
import time_machine

from tests.accounts.helpers import A_DAY_OF_THE_PERIOD


@pytest.fixture(autouse=True)
def _on_a_day_of_the_construction_period():
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True):
        yield
