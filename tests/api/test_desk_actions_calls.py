"""The help desk's calls, returns, rejections and the confirmation overview through the API: the call
is recorded at the directory's number (never one from the request), and nothing changes on a refusal."""

from __future__ import annotations

import datetime as dt

import pytest

from calsreg.applications.models import Application
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest, PhoneCall
from calsreg.verification.services import call_record
from tests.api.test_desk_actions import (
    DIRECTORY_EMAIL,
    DIRECTORY_PHONE,
    EXTRA_KEY,
    api_state,
    awaiting,
    desk,
    directory_supervisor,
    eml_upload,
    url,
)
from tests.desk.helpers import submit_application
from tests.factories import SupervisorFactory
from tests.verification.helpers import deliver

pytestmark = pytest.mark.django_db

__all__ = ["desk"]  # the fixture, shared with the other desk-action tests


# --- recording a call -------------------------------------------------------------------------------


def test_a_positive_call_after_a_positive_reply_confirms_at_the_directory_number(client, desk):
    desk_user, headers = desk
    supervisor = directory_supervisor()
    application = awaiting(desk_user=desk_user, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    client.post(
        url(application, f"confirmation-requests/{request.pk}/reply"),
        {"file": eml_upload(sender=DIRECTORY_EMAIL), "answer": "confirmed"},
        **headers,
    )

    response = client.post(
        url(application, "calls"),
        {"supervisor_id": supervisor.pk, "outcome": "confirmed", "note": "本人が確認"},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 201
    body = response.json()
    assert body["application"]["status"] == "confirmed"
    assert {
        k: body["call"][k] for k in ("phone_number", "outcome", "outcome_label", "note", "called_by")
    } == {
        "phone_number": DIRECTORY_PHONE,
        "outcome": "confirmed",
        "outcome_label": "確認できた",
        "note": "本人が確認",
        "called_by": str(desk_user),
    }
    assert PhoneCall.objects.get().called_by == desk_user


def test_a_call_time_without_a_time_zone_is_japan_time(client, desk):
    desk_user, headers = desk
    supervisor = directory_supervisor()
    application = awaiting(desk_user=desk_user, supervisor=supervisor)
    local = (application.submitted_at + dt.timedelta(minutes=1)).astimezone(
        dt.timezone(dt.timedelta(hours=9))
    )

    response = client.post(
        url(application, "calls"),
        {
            "supervisor_id": supervisor.pk,
            "outcome": "no_answer",
            "called_at": local.replace(tzinfo=None, microsecond=0).isoformat(),
        },
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 201
    assert PhoneCall.objects.get().called_at == local.replace(microsecond=0)
    assert response.json()["application"]["status"] == "awaiting_confirmation"


@pytest.mark.parametrize(
    "crafted",
    [
        {"phone_number": "090-0000-0000"},
        {"phone": "090-0000-0000"},
        {"called_by": 1},
        {"number": "0900000000"},
    ],
    ids=lambda crafted: next(iter(crafted)),
)
def test_a_crafted_phone_number_in_the_call_body_is_refused(client, desk, crafted):
    desk_user, headers = desk
    supervisor = directory_supervisor()
    application = awaiting(desk_user=desk_user, supervisor=supervisor)
    before = api_state()

    response = client.post(
        url(application, "calls"),
        {"supervisor_id": supervisor.pk, "outcome": "confirmed", **crafted},
        content_type="application/json",
        **headers,
    )

    key = next(iter(crafted))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": key, "label": "", "message": EXTRA_KEY % key}]
    assert api_state() == before


@pytest.mark.parametrize("which", ["other-office", "unknown"])
def test_a_call_to_someone_not_among_the_applications_directory_supervisors_is_refused(client, desk, which):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    supervisor_id = SupervisorFactory().pk if which == "other-office" else 999_999
    before = api_state()

    response = client.post(
        url(application, "calls"),
        {"supervisor_id": supervisor_id, "outcome": "confirmed"},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "supervisor_id", "label": "監督員", "message": "この申込の名簿の監督員から選んでください。"}
    ]
    assert api_state() == before


def test_a_call_before_the_confirmation_request_is_refused(client, desk):
    _user, headers = desk
    supervisor = directory_supervisor()
    application = submit_application(supervisor=supervisor)
    before = api_state()

    response = client.post(
        url(application, "calls"),
        {"supervisor_id": supervisor.pk, "outcome": "confirmed"},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "invalid_transition",
        "message": "確認待ちの申込ではないため、電話確認を記録できません（先に確認メールを送ってください）。",
        "errors": [],
    }
    assert api_state() == before


def test_a_denied_call_rejects_the_application_as_suspected_impersonation(client, desk):
    desk_user, headers = desk
    supervisor = directory_supervisor()
    application = awaiting(desk_user=desk_user, supervisor=supervisor)

    response = client.post(
        url(application, "calls"),
        {"supervisor_id": supervisor.pk, "outcome": "denied", "note": "そのような工事は発注していない"},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 201
    assert (
        response.json()["application"]["status"],
        response.json()["application"]["impersonation_suspected"],
    ) == (
        "rejected",
        True,
    )


# --- return and reject ------------------------------------------------------------------------------


def test_return_sends_the_applicant_the_reason_with_a_correction_link(client, desk):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    deliver()  # the acknowledgment and the confirmation request

    response = client.post(
        url(application, "return"),
        {"reason": "工期の終了日が契約書と異なります。"},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 200
    assert response.json() == {
        "receipt_number": application.receipt_number,
        "status": "returned",
        "status_label": "差戻し中",
        "impersonation_suspected": False,
        "decision_reason": "工期の終了日が契約書と異なります。",
    }
    (notice,) = [m for m in deliver() if m.to == [application.applicant_email]]
    assert "工期の終了日が契約書と異なります。" in notice.body
    assert "/correct/" in notice.body


def test_reject_sends_a_neutral_notice(client, desk):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    deliver()  # the acknowledgment and the confirmation request

    response = client.post(
        url(application, "reject"), {"reason": "重複申込のため"}, content_type="application/json", **headers
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decision_reason"]) == ("rejected", "重複申込のため")
    (notice,) = [m for m in deliver() if m.to == [application.applicant_email]]
    assert "重複申込のため" not in notice.body


@pytest.mark.parametrize("action", ["return", "reject"])
@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"reason": "   "}, 422, "reason"),
        ({}, 422, "reason"),
        ({"reason": "x" * 2001}, 422, "reason"),
        ({"reason": "理由", "to": "attacker@evil.example.com"}, 422, "to"),
    ],
    ids=["blank", "missing", "too-long", "crafted-address"],
)
def test_a_refused_return_or_reject_changes_nothing(client, desk, action, payload, status, field):
    desk_user, headers = desk
    application = awaiting(desk_user=desk_user)
    before = api_state()

    response = client.post(url(application, action), payload, content_type="application/json", **headers)

    assert response.status_code == status
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert api_state() == before


@pytest.mark.parametrize("action", ["return", "reject"])
def test_return_or_reject_of_an_application_in_service_is_409(client, desk, action):
    _user, headers = desk
    application = submit_application(supervisor=directory_supervisor())
    Application.objects.filter(pk=application.pk).update(status="in_service")
    before = api_state()

    response = client.post(
        url(application, action), {"reason": "理由"}, content_type="application/json", **headers
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert api_state() == before


# --- the overview -----------------------------------------------------------------------------------


def test_the_overview_lists_supervisors_requests_calls_and_the_actions_possible_now(
    client, desk, django_assert_num_queries
):
    desk_user, headers = desk
    supervisor = directory_supervisor()
    application = awaiting(desk_user=desk_user, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    call_record(
        application=application,
        supervisor=supervisor,
        outcome="no_answer",
        note="",
        actor=Actor.staff(desk_user),
    )
    before = api_state()

    # token lookup + last-use stamp, the application, then the panel's five queries
    with django_assert_num_queries(8):
        response = client.get(url(application, "confirmation"), **headers)

    assert response.status_code == 200
    body = response.json()
    assert body["supervisors"] == [
        {
            "id": supervisor.pk,
            "name": "山田 直樹",
            "title": "chief_supervisor",
            "title_label": "主任監督員",
            "email": DIRECTORY_EMAIL,
            "phone": DIRECTORY_PHONE,
        }
    ]
    assert [r["id"] for r in body["requests"]] == body["open_request_ids"] == [request.pk]
    assert [(c["outcome"], c["phone_number"]) for c in body["calls"]] == [("no_answer", DIRECTORY_PHONE)]
    assert body["unlisted_replies"] == []
    assert (body["positive_answer"], body["positive_call"]) == (False, False)
    assert body["actions"] == {
        "can_send": False,
        "can_resend": True,
        "can_record_answers": True,
        "can_return": True,
        "can_reject": True,
        "can_register": False,
        "can_start_use": False,
    }
    assert api_state() == before
