"""The anonymous portal forms take a limited number of POSTs per client address per hour."""

from __future__ import annotations

import datetime as dt

import pytest

from calsreg.changes.models import ChangeRequest
from calsreg.notifications.models import Delivery
from tests.accounts.helpers import started

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_allowance(settings, time_machine):
    settings.PUBLIC_FORM_POSTS_PER_HOUR = 3
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, 10, tzinfo=dt.UTC), tick=False)


def lookup(client, address="203.0.113.7"):
    return client.post(
        "/status/", {"receipt_number": "A2026-99999", "email": "x@example.jp"}, REMOTE_ADDR=address
    )


def test_the_status_lookup_refuses_an_address_past_its_allowance_until_the_hour_ends(client, time_machine):
    assert [lookup(client).status_code for _ in range(3)] == [200, 200, 200]

    refused = lookup(client)

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(50 * 60)  # 01:10 → the window ends at 02:00
    assert "約50分後にもう一度お試しください" in refused.content.decode()
    assert lookup(client, address="198.51.100.4").status_code == 200  # another address is not affected
    assert client.get("/status/").status_code == 200  # reading the form is never counted
    time_machine.move_to(dt.datetime(2026, 12, 10, 2, 0, 1, tzinfo=dt.UTC), tick=False)
    assert lookup(client).status_code == 200


def test_a_refused_change_request_files_nothing_and_mails_nobody(client):
    project, _accounts = started()
    body = {
        "reference": project.project_number,
        "requester_name": "田中 一郎",
        "requester_phone": "090-1234-5678",
        "row-1-field": "period_end",
        "row-1-value": "2027-05-31",
    }
    for _ in range(3):
        client.post("/changes/", body, REMOTE_ADDR="203.0.113.9")
    filed, mails = ChangeRequest.objects.count(), Delivery.objects.count()
    assert filed == 3

    refused = client.post("/changes/", body, REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == 429
    assert (ChangeRequest.objects.count(), Delivery.objects.count()) == (filed, mails)
