"""The fault tests' child processes see the test database, the test's media folder and its clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from tests.factories import OfficeFactory
from tests.plugins.processes import media_root

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a child process needs a shared database"),
    pytest.mark.django_db(transaction=True),
]

PROBE = (
    "from calsreg.core import clock; from calsreg.directory.models import OrdererOffice; "
    "from django.conf import settings; "
    "print(OrdererOffice.objects.count(), clock.now().isoformat(), settings.STORAGES['default']['OPTIONS']['location'])"
)


def test_a_child_process_shares_the_database_media_folder_and_clock(spawn):
    # given
    OfficeFactory()
    with time_machine.travel(datetime(2031, 4, 1, 9, 0, tzinfo=UTC), tick=False):
        # when
        child = spawn("shell", "-c", PROBE)
    # then
    assert child.wait() == 0, child.output()
    count, at, media = child.output().strip().splitlines()[-1].split(" ")
    assert count == "1"
    assert datetime.fromisoformat(at).date() == datetime(2031, 4, 1).date()
    assert media == media_root()
