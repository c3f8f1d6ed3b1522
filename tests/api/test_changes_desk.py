"""The help desk's change-request endpoints: the same services as the desk's screens, a call-back that
can only name a contact on file, refusals that change nothing."""

from __future__ import annotations

import pytest

from calsreg.accounts.models import Role, User
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.accounts.helpers import started
from tests.api.helpers import bearer, staff_token
from tests.changes.callback_helpers import DURING_THE_WORKS, STATED_PHONE, file_change
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "takeover@evil.example.net"

# The operations of this router, for the OpenAPI document's complete list (tests/api/test_openapi_and_docs.py).
CHANGE_DESK_OPERATIONS = {
    ("get", "/api/staff/changes"): "change_requests_list",
    ("get", "/api/staff/changes/{number}"): "change_request_get",
    ("post", "/api/staff/changes/{number}/callbacks"): "change_request_callback_record",
    ("post", "/api/staff/changes/{number}/apply"): "change_request_apply",
    ("post", "/api/staff/changes/{number}/reject"): "change_request_reject",
    ("post", "/api/staff/changes/{number}/assign"): "change_request_assign",
}


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(DURING_THE_WORKS, tick=False)


@pytest.fixture
def desk():
    user, secret = staff_token(role=Role.HELP_DESK)
    return user, bearer(secret)


@pytest.fixture
def change():
    project, _accounts = started()
    return file_change(
        project,
        {"field": "period_end", "value": "2027-05-31"},
        {"field": "project_name", "value": "信濃川護岸設置工事（その2）"},
    )


def _url(change, tail: str = "") -> str:
    return f"/api/staff/changes/{change.number}" + (f"/{tail}" if tail else "")


def _post(client, headers, path: str, body: dict):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize(("role", "status"), [(None, 401), (Role.BILLING_AGENT, 403)])
def test_only_a_help_desk_token_is_accepted(client, change, role, status):
    headers = {} if role is None else bearer(staff_token(role=role)[1])

    assert client.get("/api/staff/changes", **headers).status_code == status
    assert client.get(_url(change), **headers).status_code == status
    assert _post(client, headers, _url(change, "apply"), {}).status_code == status
    assert not AuditEvent.objects.filter(action="change_request.viewed").exists()


def test_list_filters_like_the_desk(client, desk, change):
    desk_user, headers = desk
    other = file_change(change.project, {"field": "project_location", "value": "新潟市中央区関屋地内"})
    _post(client, headers, _url(other, "assign"), {"operator": desk_user.username})

    everything = client.get("/api/staff/changes", **headers).json()
    mine = client.get("/api/staff/changes?mine=true", **headers).json()
    found = client.get(f"/api/staff/changes?q={change.number}", **headers).json()

    assert [item["number"] for item in everything["items"]] == [other.number, change.number]
    assert everything["items"][1]["kinds"] == ["project"] and everything["items"][1]["item_count"] == 2
    assert [item["number"] for item in mine["items"]] == [other.number]
    assert mine["items"][0]["assigned_to"] == desk_user.username
    assert [item["number"] for item in found["items"]] == [change.number]
    assert client.get("/api/staff/changes?status=nonsense", **headers).status_code == 422


def test_detail_is_audited_and_names_each_items_person_at_their_number(client, desk, change):
    desk_user, headers = desk

    body = client.get(_url(change), **headers).json()

    assert body["requester_phone_stated"] == STATED_PHONE
    assert body["people_concerned"] == [
        {
            "key": "applicant",
            "label": "申込担当者",
            "name": change.project.application.applicant_name,
            "phone": change.project.application.applicant_phone,
            "positions": [1, 2],
            "unverified_positions": [1, 2],
            "to_call": True,
        }
    ]
    assert "default_contact" not in body and "contacts_on_file" not in body
    assert [
        (item["position"], item["before"], item["after"], item["person_concerned"]) for item in body["items"]
    ] == [
        (1, "2027-03-19", "2027-05-31", "applicant"),
        (2, "信濃川護岸設置工事", "信濃川護岸設置工事（その2）", "applicant"),
    ]
    assert body["fee_impact"] is not None and body["fee_impact"]["explanation"]
    assert body["form_evidence_sha256"] == change.form_evidence.sha256
    viewed = AuditEvent.objects.get(action="change_request.viewed")
    assert (viewed.actor_id, viewed.subject_id) == (desk_user.pk, change.pk)


def test_a_phone_number_in_the_call_back_is_refused_and_nothing_is_recorded(client, desk, change):
    _user, headers = desk

    response = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": "applicant", "outcome": "no_answer", "phone_number": STATED_PHONE},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone_number"
    assert not CallBack.objects.exists()


def test_a_contact_not_on_file_and_missing_decisions_are_refused(client, desk, change):
    _user, headers = desk

    stranger = _post(
        client, headers, _url(change, "callbacks"), {"contact": STATED_PHONE, "outcome": "no_answer"}
    )
    partial = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": "applicant", "outcome": "confirmed", "decisions": [{"position": 1, "confirmed": True}]},
    )
    unknown = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": "applicant", "outcome": "confirmed", "decisions": [{"position": 9, "confirmed": True}]},
    )

    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "contact"
    assert partial.status_code == 422
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "decisions"
    assert not CallBack.objects.exists()


def test_call_back_partial_then_apply(client, desk, change):
    _user, headers = desk
    assert _post(client, headers, _url(change, "apply"), {}).status_code == 409

    called = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {
            "contact": "applicant",
            "outcome": "confirmed",
            "decisions": [{"position": 1, "confirmed": False}, {"position": 2, "confirmed": True}],
        },
    )
    applied = _post(client, headers, _url(change, "apply"), {})

    assert called.status_code == 201
    assert called.json()["call"]["phone_number"] == change.project.application.applicant_phone
    assert called.json()["call"]["evidence_sha256"]
    assert applied.status_code == 200
    body = applied.json()
    assert body["status"] == ChangeStatus.APPLIED
    assert [(item["decision"], item["applied_at"] is not None) for item in body["items"]] == [
        ("declined", False),
        ("confirmed", True),
    ]
    change.project.refresh_from_db()
    assert change.project.name == "信濃川護岸設置工事（その2）"
    assert change.project.period_end.isoformat() == "2027-03-19"


def _co_member_email_change():
    """Tanaka, from my page, asks to move suzuki's e-mail address to an address tanaka holds."""
    project, accounts = started()
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = file_change(
        project,
        {"field": "user.email", "target": suzuki.username, "value": ATTACKER},
        channel="my_page",
        filed_by=tanaka,
    )
    return change, tanaka, suzuki


def _unchanged(change, suzuki) -> dict:
    return {
        "suzuki": User.objects.filter(pk=suzuki.pk).values("email", "password", "phone", "state").get(),
        "request": ChangeRequest.objects.filter(pk=change.pk)
        .values("status", "verified_at", "applied_at")
        .get(),
        "items": list(change.items.values_list("decision", "decided_at", "decided_by", "applied_at")),
        "calls": CallBack.objects.count(),
        "deliveries": Delivery.objects.count(),
        "audit": AuditEvent.objects.exclude(action="change_request.viewed").count(),
        "evidence": Evidence.objects.count(),
    }


def test_the_api_refuses_a_call_to_anyone_but_the_member_whose_email_changes(client, desk):
    _user, headers = desk
    change, tanaka, suzuki = _co_member_email_change()
    detail = client.get(_url(change), **headers).json()
    before = _unchanged(change, suzuki)

    filer = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {
            "contact": tanaka.username,
            "outcome": "confirmed",
            "decisions": [{"position": 1, "confirmed": True}],
        },
    )
    applicant = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": "applicant", "outcome": "confirmed", "decisions": [{"position": 1, "confirmed": True}]},
    )
    nobody = _post(client, headers, _url(change, "callbacks"), {"outcome": "confirmed"})
    no_result = _post(client, headers, _url(change, "callbacks"), {"contact": suzuki.username})
    applied = _post(client, headers, _url(change, "apply"), {})

    assert [(p["key"], p["phone"], p["to_call"]) for p in detail["people_concerned"]] == [
        (suzuki.username, suzuki.phone, True)
    ]
    assert [item["person_concerned"] for item in detail["items"]] == [suzuki.username]
    for refused in (filer, applicant):
        assert refused.status_code == 422
        assert [error["field"] for error in refused.json()["errors"]] == ["contact"]
        assert (
            f"変更される情報の本人（利用者 {suzuki.username} 鈴木 次郎）"
            in refused.json()["errors"][0]["message"]
        )
    assert (nobody.status_code, no_result.status_code, applied.status_code) == (422, 422, 409)
    assert _unchanged(change, suzuki) == before
    assert before["suzuki"]["email"] == "suzuki@echigo-kensetsu.example.co.jp"
    assert before["request"]["status"] == ChangeStatus.SUBMITTED and before["calls"] == 0
    assert not Delivery.objects.filter(to_address=ATTACKER).exists()


def test_the_api_refuses_a_decision_on_someone_elses_item_and_needs_each_person(client, desk):
    _user, headers = desk
    project, accounts = started()
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    change = file_change(
        project,
        {"field": "project_name", "value": "信濃川護岸設置工事（その2）"},
        {"field": "user.email", "target": suzuki.username, "value": ATTACKER},
    )
    before = _unchanged(change, suzuki)
    both = [{"position": 1, "confirmed": True}, {"position": 2, "confirmed": True}]

    refused = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": "applicant", "outcome": "confirmed", "decisions": both},
    )
    assert refused.status_code == 422
    assert [(error["field"], error["label"]) for error in refused.json()["errors"]] == [
        ("decisions[2]", "変更2")
    ]
    assert _unchanged(change, suzuki) == before

    first = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": "applicant", "outcome": "confirmed", "decisions": both[:1]},
    )
    assert first.status_code == 201 and first.json()["change"]["status"] == "submitted"
    assert _post(client, headers, _url(change, "apply"), {}).status_code == 409
    second = _post(
        client,
        headers,
        _url(change, "callbacks"),
        {"contact": suzuki.username, "outcome": "confirmed", "decisions": both[1:]},
    )
    assert second.status_code == 201 and second.json()["change"]["status"] == "verified"
    assert second.json()["call"]["phone_number"] == suzuki.phone


def test_reject_and_assign(client, desk, change):
    desk_user, headers = desk
    inactive = UserFactory(role=Role.HELP_DESK, username="helpdesk9", is_active=False)

    assert _post(client, headers, _url(change, "assign"), {"operator": "nobody"}).status_code == 422
    assert _post(client, headers, _url(change, "assign"), {"operator": inactive.username}).status_code == 400
    assigned = _post(client, headers, _url(change, "assign"), {"operator": desk_user.username})
    assert assigned.json()["assigned_to"] == desk_user.username
    assert _post(client, headers, _url(change, "assign"), {"operator": None}).json()["assigned_to"] is None
    assert _post(client, headers, _url(change, "reject"), {"reason": " "}).status_code == 400

    rejected = _post(client, headers, _url(change, "reject"), {"reason": "申込者と連絡が取れない"})

    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["decision_note"]) == (
        "rejected",
        "申込者と連絡が取れない",
    )
    assert _post(client, headers, _url(change, "apply"), {}).status_code == 409
    assert client.get("/api/staff/changes/H2026-99999", **headers).status_code == 404


def test_the_operations_are_documented_and_no_body_takes_a_phone_number(client):
    document = client.get("/api/openapi.json").json()
    found = {
        (method, path): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/staff/changes")
    }
    assert found == CHANGE_DESK_OPERATIONS
    schemas = document["components"]["schemas"]
    for name in ("CallBackIn", "ItemDecisionIn", "ChangeRejectIn", "ChangeAssignIn", "ChangeApplyIn"):
        properties = schemas[name].get("properties", {})
        assert not [key for key in properties if "phone" in key or "number" in key], name
        assert schemas[name].get("additionalProperties") is False
