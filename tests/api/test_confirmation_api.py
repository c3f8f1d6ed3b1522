"""The supervisor's confirmation through the API (no API token: the link's token is the credential):
the summary the page shows, one answer, and the page's refusals — unknown 404, used or no longer
awaiting 409, expired or superseded 410 — each as the JSON error body with nothing changed or sent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from calsreg.applications.services import application_withdraw
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import confirmation_request_send
from tests.api.helpers import bearer, staff_token
from tests.api.test_desk_actions import DIRECTORY_EMAIL, api_state, awaiting, directory_supervisor
from tests.factories import SupervisorFactory, UserFactory
from tests.verification.helpers import deliver, token_for

pytestmark = pytest.mark.django_db

REFUSED = "confirmation_link_refused"


@pytest.fixture
def desk_user(db):
    return UserFactory(role="help_desk")


def _url(token: str) -> str:
    return f"/api/confirmations/{token}"


def _answer(client, token: str, body: dict, **headers):
    return client.post(_url(token), body, content_type="application/json", **headers)


def test_get_answers_the_summary_the_page_shows_and_changes_nothing(client, desk_user):
    application = awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())
    request = ConfirmationRequest.objects.get(application=application)
    before = api_state()

    response = client.get(_url(token))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "supervisor_name": "山田 直樹",
        "receipt_number": application.receipt_number,
        "office_name": application.office.name,
        "project_number": "R8-新潟-土木-0123",
        "project_name": "信濃川護岸設置工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": "2026-12-01",
        "period_end": "2027-03-19",
        "contract_amount": 48_400_000,
        "contractor_name": "株式会社越後建設",
        "contractor_representative": "越後 正樹",
        "applicant_name": "田中 一郎",
        "expires_at": request.expires_at.astimezone(dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    }
    # Nothing beyond what the mail showed: no applicant contact, users or billing data.
    for text in ("tanaka@echigo-kensetsu.example.co.jp", "090-1234-5678", "suzuki2", "工事部"):
        assert text not in response.content.decode()
    assert api_state() == before


def test_confirm_records_the_answer_once_and_the_call_is_still_needed(client, desk_user):
    application = awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())

    response = _answer(client, token, {"answer": "confirmed"})

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("receipt_number", "answer", "answer_label")} == {
        "receipt_number": application.receipt_number,
        "answer": "confirmed",
        "answer_label": "申込は正しい（確認）",
    }
    request = ConfirmationRequest.objects.get(application=application)
    assert (request.answer, request.answer_channel) == ("confirmed", "link")
    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"
    event = AuditEvent.objects.get(action="confirmation.answered")
    assert event.actor_type == "supervisor"

    # when: the link is used again, the other way
    before = api_state()
    again = _answer(client, token, {"answer": "denied", "reason": "やはり違います"})

    assert again.status_code == 409
    assert again.json() == {
        "code": REFUSED,
        "message": "この申込内容の確認には、すでにご回答いただいています。ご協力ありがとうございました。",
        "errors": [],
    }
    assert client.get(_url(token)).status_code == 409
    assert api_state() == before


def test_a_denial_rejects_as_suspected_impersonation_with_a_neutral_notice(client, desk_user):
    application = awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())

    response = _answer(client, token, {"answer": "denied", "reason": "このような工事の発注はありません。"})

    assert response.status_code == 200
    application.refresh_from_db()
    assert (application.status, application.impersonation_suspected) == ("rejected", True)
    (notice,) = [m for m in deliver() if m.to == [application.applicant_email]]
    assert "このような工事の発注はありません。" not in notice.body and "否認" not in notice.body


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"answer": "denied", "reason": "  "},
            [{"field": "reason", "label": "理由", "message": "否認の場合は、理由を入力してください。"}],
        ),
        (
            {"answer": "yes"},
            [
                {
                    "field": "answer",
                    "label": "",
                    "message": "「answer」は次のいずれかにしてください: 'confirmed' or 'denied'",
                }
            ],
        ),
        ({}, [{"field": "answer", "label": "", "message": "「answer」がありません。"}]),
    ],
    ids=["denial-without-reason", "unknown-answer", "no-answer"],
)
def test_an_invalid_answer_is_422_and_changes_nothing(client, desk_user, body, errors):
    awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())
    before = api_state()

    response = _answer(client, token, body)

    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert api_state() == before


@pytest.mark.parametrize("key", ["application_id", "request_id", "supervisor_id", "email", "receipt_number"])
def test_a_crafted_key_naming_another_application_or_person_is_refused(client, desk_user, key):
    awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())
    before = api_state()

    response = _answer(client, token, {"answer": "confirmed", key: 1})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [key]
    assert api_state() == before


def test_an_unknown_token_is_404_for_get_and_post(client, desk_user):
    awaiting(desk_user=desk_user)
    deliver()
    before = api_state()

    page = client.get(_url("not-a-real-token"))
    response = _answer(client, "not-a-real-token", {"answer": "confirmed"})

    assert (page.status_code, response.status_code) == (404, 404)
    assert response.json() == {
        "code": REFUSED,
        "message": "このリンクは無効です。メールに記載されたURLを最後まで省略せずに開いているかご確認ください。",
        "errors": [],
    }
    assert api_state() == before


def test_an_expired_link_is_410(client, desk_user, settings):
    settings.CONFIRMATION_LINK_DAYS = 14
    awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())
    before = api_state()

    with time_machine.travel(timezone.now() + dt.timedelta(days=14, seconds=1)):
        page = client.get(_url(token))
        response = _answer(client, token, {"answer": "confirmed"})

    assert (page.status_code, response.status_code) == (410, 410)
    assert response.json()["message"] == (
        "このリンクは有効期限が切れています。お手数ですが、ヘルプデスクまでご連絡ください。"
    )
    assert api_state() == before


def test_a_link_superseded_by_a_resend_is_410(client, desk_user):
    application = awaiting(desk_user=desk_user)
    old_token = token_for(DIRECTORY_EMAIL, deliver())
    confirmation_request_send(application=application, actor=Actor.staff(desk_user))
    deliver()
    before = api_state()

    response = _answer(client, old_token, {"answer": "confirmed"})

    assert response.status_code == 410
    assert response.json()["code"] == REFUSED
    assert "その後にお送りしたメールにより無効" in response.json()["message"]
    assert api_state() == before


def test_the_link_of_a_withdrawn_application_is_409(client, desk_user):
    application = awaiting(desk_user=desk_user)
    token = token_for(DIRECTORY_EMAIL, deliver())
    application_withdraw(application=application, actor=Actor.applicant(application.applicant_email))
    before = api_state()

    response = _answer(client, token, {"answer": "confirmed"})

    assert response.status_code == 409
    assert "内容確認を受け付けていません" in response.json()["message"]
    assert api_state() == before


def test_a_link_answers_only_its_own_application(client, desk_user):
    first = awaiting(desk_user=desk_user)
    other_supervisor = SupervisorFactory()
    second = awaiting(desk_user=desk_user, supervisor=other_supervisor)
    messages = deliver()
    first_token = token_for(DIRECTORY_EMAIL, messages)

    response = _answer(client, first_token, {"answer": "confirmed"})

    assert response.json()["receipt_number"] == first.receipt_number
    assert list(
        ConfirmationRequest.objects.filter(answered_at__isnull=False).values_list("application_id", flat=True)
    ) == [first.pk]
    assert ConfirmationRequest.objects.get(application=second).answered_at is None


def test_the_public_endpoints_ignore_a_staff_token_and_need_none(client, desk_user):
    awaiting(
        desk_user=desk_user, supervisor=directory_supervisor(email="other@office.example.pref-niigata.jp")
    )
    token = token_for("other@office.example.pref-niigata.jp", deliver())
    _user, secret = staff_token(role="billing_agent")

    assert client.get(_url(token)).status_code == 200
    assert client.get(_url(token), **bearer(secret)).status_code == 200
