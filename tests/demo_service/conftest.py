"""The demo service tests run on a day of the construction period, as tests/sso do; the demo
service's own process travels to the same instant (helpers.DemoService)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import override_settings

from tests.accounts.helpers import A_DAY_OF_THE_PERIOD
from tests.demo_service.helpers import DemoService


@pytest.fixture(autouse=True)
def _on_a_day_of_the_construction_period():
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True):
        yield


@pytest.fixture(autouse=True)
def _webhooks_to_this_machine():
    # The demo service listens on plain http on 127.0.0.1, as in `make demo`.
    with override_settings(EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK=True):
        yield


@pytest.fixture
def service(live_server, tmp_path):
    """The demo service registered at the live server (as `make demo` does) and running."""
    demo = DemoService(directory=tmp_path, issuer=live_server.url)
    demo.register()
    demo.start()
    yield demo
    demo.stop()
