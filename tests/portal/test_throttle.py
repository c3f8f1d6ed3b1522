"""Every anonymous portal form takes a limited number of POSTs per client address per hour.

Each endpoint: the allowance used up with harmless POSTs, then the POST that would look up, file or
mail is refused with 429 and nothing changes; the same POST from another address goes through (so the
refused one really would have done something). The client address is REMOTE_ADDR unless that is a
configured proxy; a client's own X-Forwarded-For buys no fresh allowance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import User
from calsreg.applications.models import Application, CorrectionLink
from calsreg.applications.services import application_return
from calsreg.changes.excel import change_workbook_build
from calsreg.changes.models import ChangeRequest
from calsreg.core.secrets import secret_hash
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from tests.accounts.helpers import started
from tests.applications.files.workbooks import filled
from tests.desk.helpers import filled_workbook, submit_application
from tests.factories import SupervisorFactory, UserFactory
from tests.portal.helpers import form_post
from tests.portal.test_mypage import make_account
from tests.verification.helpers import awaiting_application, deliver, token_for

pytestmark = pytest.mark.django_db

ALLOWANCE = 3
CLIENT, OTHER = "203.0.113.7", "198.51.100.4"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THROTTLED = "短い時間に何度も送信されたため、受付を一時停止しています。約50分後にもう一度お試しください。"


@pytest.fixture(autouse=True)
def _small_allowance(settings, time_machine):
    settings.PUBLIC_FORM_POSTS_PER_HOUR = ALLOWANCE
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, 10, tzinfo=dt.UTC), tick=False)


@dataclass
class Endpoint:
    """One anonymous form: a POST that does nothing much, and one that looks up, files or mails."""

    url: str
    harmless: Callable[[], dict[str, Any]]
    acting: Callable[[], dict[str, Any]]
    shows: str = ""  # what the acting POST's answer reveals when it is not refused


def everything() -> dict[str, Any]:
    """Every row and every mail an anonymous POST could add or change."""
    return {
        "applications": list(Application.objects.order_by("pk").values_list("status", "project_number")),
        "correction_links": list(CorrectionLink.objects.values_list("used_at", flat=True)),
        "confirmations": list(ConfirmationRequest.objects.values_list("answer", "answered_at")),
        "changes": ChangeRequest.objects.count(),
        "passwords": list(User.objects.order_by("pk").values_list("password", flat=True)),
        "evidence": Evidence.objects.count(),
        "audit": AuditEvent.objects.count(),
        "deliveries": Delivery.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "mails": len(mail.outbox),
    }


def xlsx(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("申込書.xlsx", content, content_type=XLSX)


def _apply() -> Endpoint:
    supervisor = SupervisorFactory()
    return Endpoint(
        "/apply/", lambda: {}, lambda: form_post(for_office=supervisor.office, supervisors=[supervisor])
    )


def _apply_upload() -> Endpoint:
    content = filled_workbook(office=SupervisorFactory().office)
    return Endpoint("/apply/upload/", lambda: {}, lambda: {"workbook": xlsx(content)})


def _status() -> Endpoint:
    application = submit_application()
    lookup = {"receipt_number": application.receipt_number, "email": application.applicant_email}
    return Endpoint(
        "/status/", lambda: lookup | {"email": "x@example.jp"}, lambda: lookup, application.project_name
    )


def _withdraw() -> Endpoint:
    application = submit_application()
    lookup = {"receipt_number": application.receipt_number, "email": application.applicant_email}
    return Endpoint("/status/withdraw/", lambda: lookup, lambda: lookup | {"confirm": "yes"})


def _correct() -> Endpoint:
    supervisor = SupervisorFactory()
    application = submit_application(supervisor=supervisor)
    application_return(application=application, reason="工事番号の誤り", actor=Actor.staff(UserFactory()))
    CorrectionLink.objects.filter(application=application).update(
        token_hash=secret_hash("correction-token-0123456789")
    )
    body = form_post(
        for_office=supervisor.office, supervisors=[supervisor], project_number="R8-新潟-土木-0999"
    )
    return Endpoint(
        "/apply/correct/correction-token-0123456789/", lambda: body | {"action": "refresh"}, lambda: body
    )


def _change_request() -> Endpoint:
    project, _accounts = started()
    body = {
        "reference": project.project_number,
        "requester_name": "田中 一郎",
        "requester_phone": "090-1234-5678",
        "row-1-field": "period_end",
        "row-1-value": "2027-05-31",
    }
    return Endpoint("/changes/", lambda: {}, lambda: body)


def _change_upload() -> Endpoint:
    project, accounts = started()
    content = filled(
        change_workbook_build(project=project, requester=accounts[0]), {"C_period_end": dt.date(2027, 5, 31)}
    )
    return Endpoint(
        "/changes/upload/",
        lambda: {"reference": project.project_number},
        lambda: {"reference": project.project_number, "workbook": xlsx(content)},
    )


def _password_reset() -> Endpoint:
    user = make_account()
    return Endpoint(
        "/mypage/password/reset/",
        lambda: {"username": "nobody.xyz", "email": "x@example.jp"},
        lambda: {"username": user.username, "email": user.email},
    )


def _confirm() -> Endpoint:
    supervisor = SupervisorFactory()
    awaiting_application(desk=Actor.staff(UserFactory(role="help_desk")), supervisor=supervisor)
    token = token_for(supervisor.email, deliver())
    return Endpoint(f"/confirm/{token}/", lambda: {"answer": ""}, lambda: {"answer": "confirmed"})


ENDPOINTS = {
    "apply": _apply,
    "apply-upload": _apply_upload,
    "status": _status,
    "withdraw": _withdraw,
    "correct": _correct,
    "change-request": _change_request,
    "change-upload": _change_upload,
    "password-reset": _password_reset,
    "confirm": _confirm,
}


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_a_post_past_the_allowance_is_refused_and_changes_nothing(client, name):
    endpoint = ENDPOINTS[name]()
    used = [
        client.post(endpoint.url, endpoint.harmless(), REMOTE_ADDR=CLIENT).status_code
        for _ in range(ALLOWANCE)
    ]
    assert 429 not in used
    before = everything()

    refused = client.post(endpoint.url, endpoint.acting(), REMOTE_ADDR=CLIENT)

    html = refused.content.decode()
    assert (refused.status_code, refused["Retry-After"]) == (429, str(50 * 60))  # 01:10 → window ends 02:00
    assert THROTTLED in html
    assert not endpoint.shows or endpoint.shows not in html
    assert everything() == before
    # The same POST from another address goes through: the refused one would have done something.
    accepted = client.post(endpoint.url, endpoint.acting(), REMOTE_ADDR=OTHER)
    assert accepted.status_code in {200, 302}
    if endpoint.shows:
        assert endpoint.shows in accepted.content.decode()
    else:
        assert everything() != before


def test_the_status_page_withdrawal_and_the_api_share_one_count(client):
    application = submit_application()
    lookup = {"receipt_number": application.receipt_number, "email": application.applicant_email}
    client.post("/status/", lookup, REMOTE_ADDR=CLIENT)
    client.post("/api/applications/status", lookup, content_type="application/json", REMOTE_ADDR=CLIENT)
    client.post("/status/withdraw/", lookup, REMOTE_ADDR=CLIENT)

    refused = client.post("/status/withdraw/", lookup | {"confirm": "yes"}, REMOTE_ADDR=CLIENT)

    assert refused.status_code == 429
    assert Application.objects.get().status == "submitted"


def test_the_count_ends_with_the_hour_and_reading_a_form_is_never_counted(client, time_machine):
    for _ in range(ALLOWANCE + 1):
        client.post(
            "/status/", {"receipt_number": "A2026-99999", "email": "x@example.jp"}, REMOTE_ADDR=CLIENT
        )

    assert client.get("/status/", REMOTE_ADDR=CLIENT).status_code == 200
    time_machine.move_to(dt.datetime(2026, 12, 10, 2, 0, 1, tzinfo=dt.UTC), tick=False)
    assert (
        client.post(
            "/status/", {"receipt_number": "A2026-99999", "email": "x@example.jp"}, REMOTE_ADDR=CLIENT
        ).status_code
        == 200
    )


# --- the client address ----------------------------------------------------------------------------


def lookup_from(client, remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.post(
        "/status/", {"receipt_number": "A2026-99999", "email": "x@example.jp"}, REMOTE_ADDR=remote, **headers
    )


def test_a_forwarded_for_header_from_a_client_that_is_not_our_proxy_buys_no_fresh_allowance(client):
    spoofed = [lookup_from(client, CLIENT, f"192.0.2.{n}").status_code for n in range(1, ALLOWANCE + 1)]

    refused = lookup_from(client, CLIENT, "192.0.2.200")

    assert spoofed == [200] * ALLOWANCE
    assert refused.status_code == 429


def test_behind_our_proxy_two_clients_are_counted_apart_and_a_prepended_address_is_ignored(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    used = [lookup_from(client, "10.0.0.2", f"192.0.2.{n}, {CLIENT}").status_code for n in range(ALLOWANCE)]

    refused = lookup_from(client, "10.0.0.3", f"192.0.2.99, {CLIENT}")  # another proxy, another spoof
    neighbour = lookup_from(client, "10.0.0.2", OTHER)

    assert used == [200] * ALLOWANCE
    assert refused.status_code == 429
    assert neighbour.status_code == 200


def test_a_chain_of_our_proxies_is_walked_from_the_right_to_the_first_address_that_is_not_ours(
    client, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.2", "172.16.0.0/12"]
    for _ in range(ALLOWANCE):
        lookup_from(client, "10.0.0.2", f"{CLIENT}, 172.16.5.1")

    refused = lookup_from(client, "10.0.0.2", f"{CLIENT}:51234, 172.16.9.9")
    the_proxy_itself = lookup_from(client, "10.0.0.2")

    assert refused.status_code == 429
    assert the_proxy_itself.status_code == 200


def test_ipv6_clients_are_counted_per_64_network(client):
    for host in range(1, ALLOWANCE + 1):
        lookup_from(client, f"2001:db8:1:2::{host}")

    same_network = lookup_from(client, "2001:db8:1:2:ffff::1")
    next_network = lookup_from(client, "2001:db8:1:3::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 200
