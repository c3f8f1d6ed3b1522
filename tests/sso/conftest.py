"""The OpenID Connect tests run on a day of the builders' construction period (tests/accounts)."""

from __future__ import annotations

import pytest
import time_machine

from tests.accounts.helpers import A_DAY_OF_THE_PERIOD


@pytest.fixture(autouse=True)
def _on_a_day_of_the_construction_period():
    # The live server's thread reads the same travelled clock.
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True):
        yield


@pytest.fixture(autouse=True)
def _plain_http_for_the_live_server(monkeypatch):
    # The live server speaks plain HTTP; authlib refuses a token endpoint without TLS unless told.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
