"""The public and confirmation API take a limited number of POSTs per client address per hour, counted
with the portal's pages; staff tokens are not limited.

Each endpoint: the allowance used up with harmless POSTs, then the POST that would look up, file or
answer is refused with 429 in the API's error shape and nothing changes; the same POST from another
address goes through.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calsreg.records.services import Actor
from tests.api.helpers import api_payload, stored_counts
from tests.desk.helpers import filled_workbook, submit_application
from tests.factories import SupervisorFactory, UserFactory
from tests.portal.test_throttle import ALLOWANCE, CLIENT, OTHER, XLSX, everything
from tests.verification.helpers import awaiting_application, deliver, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_allowance(settings, time_machine):
    settings.PUBLIC_FORM_POSTS_PER_HOUR = ALLOWANCE
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, 10, tzinfo=dt.UTC), tick=False)


@dataclass
class Endpoint:
    url: str
    harmless: Callable[[], dict[str, Any]]
    acting: Callable[[], dict[str, Any]]
    json_body: bool = True
    shows: str = ""


def post(client, endpoint: Endpoint, body: dict[str, Any], address: str):
    if endpoint.json_body:
        return client.post(
            endpoint.url, json.dumps(body), content_type="application/json", REMOTE_ADDR=address
        )
    return client.post(endpoint.url, body, REMOTE_ADDR=address)


def _create() -> Endpoint:
    supervisor = SupervisorFactory()
    return Endpoint(
        "/api/applications",
        lambda: {},
        lambda: api_payload(office=supervisor.office, supervisors=[supervisor]),
    )


def _create_from_workbook() -> Endpoint:
    content = filled_workbook(office=SupervisorFactory().office)
    return Endpoint(
        "/api/applications/workbook",
        lambda: {},
        lambda: {"file": SimpleUploadedFile("申込書.xlsx", content, content_type=XLSX)},
        json_body=False,
    )


def _status() -> Endpoint:
    application = submit_application()
    lookup = {"receipt_number": application.receipt_number, "email": application.applicant_email}
    return Endpoint(
        "/api/applications/status",
        lambda: lookup | {"email": "x@example.jp"},
        lambda: lookup,
        shows='"status": "submitted"',
    )


def _confirmation() -> Endpoint:
    supervisor = SupervisorFactory()
    awaiting_application(desk=Actor.staff(UserFactory(role="help_desk")), supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    return Endpoint(
        f"/api/confirmations/{token}", lambda: {"answer": "maybe"}, lambda: {"answer": "confirmed"}
    )


ENDPOINTS = {
    "create": _create,
    "create-from-workbook": _create_from_workbook,
    "status": _status,
    "confirmation": _confirmation,
}


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_post_past_the_allowance_is_refused_in_the_api_error_shape_and_changes_nothing(client, name):
    endpoint = ENDPOINTS[name]()
    used = [post(client, endpoint, endpoint.harmless(), CLIENT).status_code for _ in range(ALLOWANCE)]
    assert 429 not in used
    before = everything()

    refused = post(client, endpoint, endpoint.acting(), CLIENT)

    assert (refused.status_code, refused["Retry-After"]) == (429, str(50 * 60))
    assert refused.json() == {
        "code": "too_many_requests",
        "message": "短い時間に何度も送信されたため、受付を一時停止しています。3000秒後にもう一度お試しください。",
        "errors": [],
    }
    assert everything() == before
    accepted = post(client, endpoint, endpoint.acting(), OTHER)
    assert accepted.status_code in {200, 201}
    if endpoint.shows:
        assert endpoint.shows in accepted.content.decode()
    else:
        assert everything() != before


def test_the_api_and_the_web_form_share_one_count_for_new_applications(client):
    supervisor = SupervisorFactory()
    for _ in range(ALLOWANCE):
        client.post("/apply/", {}, REMOTE_ADDR=CLIENT)
    before = stored_counts()

    refused = client.post(
        "/api/applications",
        json.dumps(api_payload(office=supervisor.office, supervisors=[supervisor])),
        content_type="application/json",
        REMOTE_ADDR=CLIENT,
    )

    assert refused.status_code == 429
    assert stored_counts() == before


def test_a_spoofed_forwarded_for_header_does_not_reset_the_count(client):
    def lookup(forwarded: str):
        return client.post(
            "/api/applications/status",
            {"receipt_number": "A2026-99999", "email": "x@example.jp"},
            content_type="application/json",
            REMOTE_ADDR=CLIENT,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    used = [lookup(f"192.0.2.{n}").status_code for n in range(1, ALLOWANCE + 1)]

    refused = lookup("192.0.2.77")

    assert used == [404] * ALLOWANCE
    assert refused.status_code == 429


def test_reading_is_never_counted(client):
    for _ in range(ALLOWANCE + 1):
        client.post("/api/applications/status", {}, content_type="application/json", REMOTE_ADDR=CLIENT)

    assert client.get("/api/offices", REMOTE_ADDR=CLIENT).status_code == 200
