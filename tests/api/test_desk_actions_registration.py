"""Registration and start of use through the API: refused before both channels are positive
(invariant 2), account IDs answered but never passwords (invariant 4), and a retried call returns the
same project and sends nothing twice (issue 3, item 7)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.accounts.models import Project, User
from calsreg.applications.models import Application
from calsreg.core import clock
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import call_record, confirmation_answer_by_link
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD
from tests.api.test_desk_actions import DIRECTORY_EMAIL, api_state, awaiting, desk, directory_supervisor, url
from tests.desk.helpers import submit_application
from tests.verification.helpers import deliver, token_for

pytestmark = pytest.mark.django_db

__all__ = ["desk"]  # the fixture, shared with the desk-action tests


@pytest.fixture(autouse=True)
def _on_a_day_of_the_construction_period():
    """A start of use must fall within the submitted construction period (start_day_check)."""
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True):
        yield


def _answered(application: Application, *, answer: str = "confirmed") -> None:
    token = token_for(DIRECTORY_EMAIL, deliver())
    confirmation_answer_by_link(
        token=token, answer=answer, reason="" if answer == "confirmed" else "違います"
    )


def _called(application: Application, desk_user: User, *, outcome: str = "confirmed") -> None:
    request = ConfirmationRequest.objects.select_related("supervisor").filter(application=application).first()
    call_record(
        application=application,
        supervisor=request.supervisor,
        outcome=outcome,
        note="" if outcome != "denied" else "否認",
        actor=Actor.staff(desk_user),
    )


def confirmed(desk_user: User) -> Application:
    """Both channels positive: the supervisor's answer by link and a positive call."""
    application = awaiting(desk_user=desk_user, supervisor=directory_supervisor())
    _answered(application)
    _called(application, desk_user)
    application.refresh_from_db()
    assert application.status == "confirmed"
    deliver()  # everything before registration is out of the way
    return application


@pytest.mark.parametrize(
    "stage",
    ["submitted", "awaiting", "answer-only", "call-only", "answer-denied", "call-denied"],
)
def test_registration_is_impossible_without_both_channels_positive(client, desk, stage):
    desk_user, headers = desk
    if stage == "submitted":
        application = submit_application(supervisor=directory_supervisor())
    else:
        application = awaiting(desk_user=desk_user)
    if stage in {"answer-only", "answer-denied"}:
        _answered(application, answer="confirmed" if stage == "answer-only" else "denied")
    if stage in {"call-only", "call-denied"}:
        _called(application, desk_user, outcome="confirmed" if stage == "call-only" else "denied")
    application.refresh_from_db()
    before = api_state()

    response = client.post(url(application, "register"), {}, content_type="application/json", **headers)

    assert response.status_code == 409
    label = {"submitted": "受付済み", "awaiting_confirmation": "発注者確認中", "rejected": "却下"}[
        application.status
    ]
    assert response.json() == {
        "code": "invalid_transition",
        "message": f"発注者（監督員）への確認が済んでいない申込は登録できません（現在の状態：{label}）。"
        "返信と電話の両方で確認が取れてから登録してください。",
        "errors": [],
    }
    assert api_state() == before


def test_register_answers_the_project_with_its_account_ids_and_never_a_password(client, desk):
    desk_user, headers = desk
    application = confirmed(desk_user)

    response = client.post(url(application, "register"), {}, content_type="application/json", **headers)

    assert response.status_code == 200
    body = response.json()
    project = Project.objects.get()
    assert {k: body[k] for k in ("id", "receipt_number", "status", "status_label", "started_at")} == {
        "id": project.pk,
        "receipt_number": application.receipt_number,
        "status": "provisioned",
        "status_label": "登録済み（利用開始前）",
        "started_at": None,
    }
    accounts = [
        (a["account_id"].split(".")[0], a["role"], a["member_role"], a["state"]) for a in body["accounts"]
    ]
    supervisor_part = DIRECTORY_EMAIL.split("@")[0].replace(".", "")[:10]
    assert accounts == [
        ("tanaka", "contractor", "site_agent", "issued"),
        ("suzuki2", "contractor", "engineer", "issued"),
        (supervisor_part, "supervisor", "chief_supervisor", "issued"),
    ]
    assert sorted(a["account_id"] for a in body["accounts"]) == sorted(
        User.objects.filter(memberships__project=project).values_list("username", flat=True)
    )
    assert "password" not in response.content.decode().lower()
    kinds = sorted(Delivery.objects.filter(kind__startswith="account_").values_list("kind", flat=True))
    assert kinds == ["account_id_notice"] * 3 + ["account_password_notice"] * 3


def test_a_retried_register_returns_the_same_project_and_sends_nothing_twice(client, desk):
    desk_user, headers = desk
    application = confirmed(desk_user)
    first = client.post(url(application, "register"), {}, content_type="application/json", **headers)
    sent = deliver()
    assert len(sent) == 6
    before = api_state()

    again = client.post(url(application, "register"), {}, content_type="application/json", **headers)

    assert again.status_code == 200
    assert again.json() == first.json()
    assert api_state() == before
    assert deliver() == []
    assert Project.objects.count() == 1
    assert AuditEvent.objects.filter(action="project.registered").count() == 1


@pytest.mark.parametrize(
    "crafted",
    [
        {"password": "Chosen-by-desk-1"},
        {"account_ids": ["tanaka.abc"]},
        {"email": "attacker@evil.example.com"},
    ],
    ids=lambda crafted: next(iter(crafted)),
)
def test_a_register_body_naming_passwords_ids_or_addresses_is_refused(client, desk, crafted):
    desk_user, headers = desk
    application = confirmed(desk_user)
    before = api_state()

    response = client.post(url(application, "register"), crafted, content_type="application/json", **headers)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [next(iter(crafted))]
    assert api_state() == before


def test_start_use_before_registration_is_409_and_nothing_changes(client, desk):
    desk_user, headers = desk
    application = confirmed(desk_user)
    before = api_state()

    response = client.post(url(application, "start-use"), {}, content_type="application/json", **headers)

    assert response.status_code == 409
    assert response.json() == {
        "code": "invalid_transition",
        "message": "まだ登録されていない申込は利用開始できません。先に登録してください。",
        "errors": [],
    }
    assert api_state() == before


def test_start_use_makes_the_accounts_usable_and_notifies_everyone_once(client, desk):
    desk_user, headers = desk
    application = confirmed(desk_user)
    client.post(url(application, "register"), {}, content_type="application/json", **headers)
    deliver()

    response = client.post(url(application, "start-use"), {}, content_type="application/json", **headers)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["started_at"] is not None) == ("active", True)
    assert {account["state"] for account in body["accounts"]} == {"active"}
    notices = deliver()
    assert sorted(message.to[0] for message in notices) == sorted(
        [
            "tanaka@echigo-kensetsu.example.co.jp",  # also the applicant: one notice per address
            "suzuki@echigo-kensetsu.example.co.jp",
            DIRECTORY_EMAIL,
        ]
    )
    assert {message.subject for message in notices} == {
        "【新潟県CALSシステム】利用開始のお知らせ（信濃川護岸設置工事）"
    }
    Application.objects.get(pk=application.pk, status="in_service")

    # when: retried
    before = api_state()
    again = client.post(url(application, "start-use"), {}, content_type="application/json", **headers)

    # then: the same project, nothing sent again
    assert again.status_code == 200
    assert again.json() == body
    assert api_state() == before
    assert deliver() == []


def test_start_use_on_a_later_day_schedules_it_and_sends_nothing_yet(client, desk):
    desk_user, headers = desk
    application = confirmed(desk_user)
    client.post(url(application, "register"), {}, content_type="application/json", **headers)
    deliver()
    later = clock.today() + dt.timedelta(days=10)

    response = client.post(
        url(application, "start-use"),
        {"starts_on": later.isoformat()},
        content_type="application/json",
        **headers,
    )

    assert response.status_code == 200
    assert (response.json()["service_starts_on"], response.json()["started_at"]) == (later.isoformat(), None)
    assert {account["state"] for account in response.json()["accounts"]} == {"issued"}
    assert deliver() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_on": "来月"}, "starts_on"),
        ({"password": "Chosen-by-desk-1"}, "password"),
        ({"recipients": ["attacker@evil.example.com"]}, "recipients"),
    ],
    ids=["bad-date", "crafted-password", "crafted-recipients"],
)
def test_a_refused_start_use_body_changes_nothing(client, desk, payload, field):
    desk_user, headers = desk
    application = confirmed(desk_user)
    client.post(url(application, "register"), {}, content_type="application/json", **headers)
    before = api_state()

    response = client.post(url(application, "start-use"), payload, content_type="application/json", **headers)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert api_state() == before


def test_register_of_an_unknown_receipt_number_is_404(client, desk):
    _user, headers = desk
    before = api_state()

    response = client.post(
        "/api/staff/applications/A2026-99999/register", {}, content_type="application/json", **headers
    )

    assert response.status_code == 404
    assert api_state() == before


def test_start_use_through_the_api_drafts_the_invoice_like_the_desk(client, desk):
    # given: billing configured for the orderer organisation (seed step 6 follows step 5)
    from calsreg.billing.models import Invoice
    from tests.billing.invoice_helpers import configured

    configured()
    desk_user, headers = desk
    application = confirmed(desk_user)
    client.post(url(application, "register"), {}, content_type="application/json", **headers)

    response = client.post(url(application, "start-use"), {}, content_type="application/json", **headers)
    client.post(url(application, "start-use"), {}, content_type="application/json", **headers)

    assert response.status_code == 200
    project = Project.objects.get(application=application)
    assert list(Invoice.objects.filter(project=project).values_list("status", flat=True)) == ["draft"]
