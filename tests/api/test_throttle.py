"""The public API takes a limited number of POSTs per client address per hour; staff tokens are not limited."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

STATUS = "/api/applications/status"


@pytest.fixture(autouse=True)
def _small_allowance(settings):
    settings.PUBLIC_FORM_POSTS_PER_HOUR = 3


def lookup(client, address="203.0.113.7"):
    return client.post(
        STATUS,
        {"receipt_number": "A2026-99999", "email": "x@example.jp"},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_a_status_lookup_past_the_allowance_is_refused_in_the_api_error_shape(client):
    assert [lookup(client).status_code for _ in range(3)] == [404, 404, 404]

    refused = lookup(client)

    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "too_many_requests" and "もう一度お試しください" in body["message"]
    assert 3500 <= int(refused["Retry-After"]) <= 3601
    assert lookup(client, address="198.51.100.4").status_code == 404  # another address is not affected
    assert client.get("/api/offices").status_code == 200  # reading is not counted
