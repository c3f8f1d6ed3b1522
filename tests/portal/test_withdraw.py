"""Withdrawal from the status page: receipt number + e-mail again at each step, and a confirmation."""

import pytest

from calsreg.applications.models import Application, Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, valid_payload

pytestmark = pytest.mark.django_db

EMAIL = "tanaka@echigo-kensetsu.example.co.jp"
BUTTON = "申込を取り下げる</button>"
REFUSED = "では取り下げられません。ご不明な点はヘルプデスクへお問い合わせください。"


@pytest.fixture
def application():
    supervisor = SupervisorFactory()
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    return application_submit(
        data=validate_application(raw, require_directory_supervisors=True),
        channel=Channel.WEB,
        actor=Actor.applicant(EMAIL),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )


def _state():
    return (
        list(Application.objects.values_list("status", flat=True)),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
    )


def _set_status(application, status):
    Application.objects.filter(pk=application.pk).update(status=status)


@pytest.mark.parametrize("status", ["submitted", "awaiting_confirmation", "confirmed", "returned"])
def test_the_status_of_an_open_application_offers_withdrawal(client, application, status):
    _set_status(application, status)

    html = client.post(
        "/status/", {"receipt_number": application.receipt_number, "email": EMAIL}
    ).content.decode()

    assert '<form method="post" action="/status/withdraw/" class="withdraw-start">' in html
    assert f'<input type="hidden" name="receipt_number" value="{application.receipt_number}">' in html
    assert f'<input type="hidden" name="email" value="{EMAIL}">' in html
    assert BUTTON in html


@pytest.mark.parametrize("status", ["registered", "in_service", "rejected", "withdrawn"])
def test_a_closed_or_registered_application_has_no_withdraw_button(client, application, status):
    _set_status(application, status)

    html = client.post(
        "/status/", {"receipt_number": application.receipt_number, "email": EMAIL}
    ).content.decode()

    assert f"受付番号 {application.receipt_number} の状況" in html
    assert BUTTON not in html
    assert "/status/withdraw/" not in html


def test_the_first_step_only_asks_to_confirm(client, application):
    before = _state()

    response = client.post(
        "/status/withdraw/", {"receipt_number": application.receipt_number, "email": EMAIL}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "この申込を取り下げますか。" in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert "信濃川護岸設置工事" in html
    assert _state() == before


def test_confirming_withdraws_the_application_and_mails_the_applicant(client, application):
    response = client.post(
        "/status/withdraw/",
        {"receipt_number": application.receipt_number, "email": EMAIL.upper(), "confirm": "yes"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/status/withdrawn/"
    application.refresh_from_db()
    assert application.status == "withdrawn"
    event = AuditEvent.objects.get(action="application.withdrawn")
    assert (event.actor_type, event.actor_label, event.subject_id) == (
        "applicant",
        EMAIL.upper(),
        application.pk,
    )
    mail = Delivery.objects.get(kind="application_withdrawn")
    assert (mail.to_address, mail.context["receipt_number"]) == (EMAIL, application.receipt_number)

    html = client.get("/status/withdrawn/").content.decode()
    assert "<h1>申込を取り下げました</h1>" in html
    assert f'<p class="receipt-number" id="receipt-number">{application.receipt_number}</p>' in html
    assert "取り下げたことを、申込担当者のメールアドレスへお知らせしました。" in html


def test_a_crafted_withdrawal_of_a_registered_application_is_refused(client, application):
    _set_status(application, "registered")
    before = _state()

    response = client.post(
        "/status/withdraw/", {"receipt_number": application.receipt_number, "email": EMAIL, "confirm": "yes"}
    )

    assert response.status_code == 409
    assert f"この申込は、現在の状況（登録済み）{REFUSED}" in response.content.decode()
    assert _state() == before


def test_withdrawing_twice_is_refused_the_second_time(client, application):
    body = {"receipt_number": application.receipt_number, "email": EMAIL, "confirm": "yes"}
    client.post("/status/withdraw/", body)
    before = _state()

    response = client.post("/status/withdraw/", body)

    assert response.status_code == 409
    assert f"この申込は、現在の状況（取下げ）{REFUSED}" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"email": "someone-else@example.jp"},
        {"email": ""},
        {"receipt_number": "A2026-99999"},
        {"application": "1"},  # an application id is never read
    ],
)
def test_a_withdrawal_without_the_matching_pair_is_refused(client, application, body):
    before = _state()
    full = {"receipt_number": application.receipt_number, "email": EMAIL, "confirm": "yes"} | body
    if "application" in body:
        full = {"application": str(application.pk), "confirm": "yes"}

    response = client.post("/status/withdraw/", full)

    assert response.status_code == 404
    assert "一致する申込が見つかりませんでした" in response.content.decode()
    assert _state() == before


def test_withdraw_is_post_only_and_the_done_page_needs_a_withdrawal(client):
    assert client.get("/status/withdraw/").status_code == 405
    response = client.get("/status/withdrawn/")
    assert (response.status_code, response["Location"]) == (302, "/status/")
