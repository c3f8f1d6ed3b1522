"""POST /api/changes and GET /api/changes/{number}: change requests filed with a help-desk token on
behalf of a project (channel api), the shared validator's field errors, and the status without values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from calsreg.accounts.models import Project, User
from calsreg.changes.models import ChangeChannel, ChangeItem, ChangeRequest
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.accounts.helpers import started
from tests.api.helpers import bearer, staff_token

pytestmark = pytest.mark.django_db

URL = "/api/changes"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def _post(client, payload, secret):
    return client.post(URL, json.dumps(payload), content_type="application/json", **bearer(secret))


def _counts() -> dict[str, int]:
    return {
        "requests": ChangeRequest.objects.count(),
        "items": ChangeItem.objects.count(),
        "evidence": Evidence.objects.count(),
        "deliveries": Delivery.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_a_desk_token_files_a_change_for_a_project_and_nothing_changes_yet(client):
    project, accounts = started()
    suzuki = next(u for u in accounts if u.username.startswith("suzuki2."))
    staff, secret = staff_token()
    payload = {
        "project_id": project.pk,
        "requester_name": "田中 一郎",
        "requester_phone": "090-1234-5678",
        "reason": "電話で依頼を受けたため",
        "items": [
            {"field": "period_end", "value": "2027-05-31"},
            {"field": "user.phone", "target": suzuki.username, "value": "08099990000"},
        ],
    }

    response = _post(client, payload, secret)

    assert response.status_code == 201, response.json()
    change = ChangeRequest.objects.get()
    body = response.json()
    assert body["submitted_at"].endswith("Z")
    del body["submitted_at"]
    assert body == {
        "number": change.number,
        "status": "submitted",
        "status_label": "受付済み（本人確認前）",
        "channel": "api",
        "channel_label": "API",
        "project_id": project.pk,
        "project_number": project.project_number,
        "verified_at": None,
        "applied_at": None,
        "rejected_at": None,
        "notices": [],
        "items": [
            {
                "position": 1,
                "kind": "project",
                "kind_label": "工事情報・工事名の変更",
                "field": "period_end",
                "label": "工期（終了日）",
                "target": "",
                "decision": "pending",
                "decision_label": "未確認",
                "applied": False,
            },
            {
                "position": 2,
                "kind": "contact",
                "kind_label": "連絡先・個人情報の訂正",
                "field": "user.phone",
                "label": "利用者の電話番号",
                "target": suzuki.username,
                "decision": "pending",
                "decision_label": "未確認",
                "applied": False,
            },
        ],
    }
    assert change.channel == ChangeChannel.API and change.filed_by is None
    assert change.items.get(position=2).after == "080-9999-0000"
    event = AuditEvent.objects.get(action="change_request.submitted")
    assert event.actor_label == f"api:{staff.username}"
    # The JSON as received is kept as the change form's evidence.
    assert json.loads(change.form_evidence.file.read())["items"][1]["value"] == "08099990000"
    assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 3, 19)
    assert User.objects.get(pk=suzuki.pk).phone == "080-2345-6789"


def test_field_errors_come_back_as_422_with_paths_and_nothing_is_stored(client):
    project, _accounts = started()
    _staff, secret = staff_token()
    before = _counts()

    response = _post(
        client,
        {
            "project_id": project.pk,
            "requester_name": "",
            "items": [
                {"field": "project_name", "value": project.name},
                {"field": "user.email", "target": "nobody.xyz", "value": "a@example.jp"},
                {
                    "field": "user.add",
                    "value": {"role": "engineer", "name": "佐藤 三郎", "requested_id": "x"},
                },
            ],
        },
        secret,
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert "requester_name" in fields
    assert "登録内容と同じ" in fields["items[1].value"]
    assert "利用者ID" in fields["items[2].target"]
    assert {"items[3].value.kana", "items[3].value.email", "items[3].value.requested_id"} <= fields.keys()
    assert _counts() == before


def test_unknown_keys_and_wrong_types_are_refused_by_the_schema_in_the_same_shape(client):
    project, _accounts = started()
    _staff, secret = staff_token()

    response = _post(
        client,
        {
            "project_id": project.pk,
            "requester_name": "田中",
            "callback_phone": "090-0000-0000",
            "items": [{"x": 1}],
        },
        secret,
    )

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"callback_phone", "items[1].x", "items[1].field"} <= fields
    assert ChangeRequest.objects.count() == 0


def test_an_unknown_project_is_404(client):
    _staff, secret = staff_token()

    response = _post(client, {"project_id": 999999, "requester_name": "田中", "items": []}, secret)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("unknown", 401), ("billing_agent", 403)])
def test_only_a_desk_token_may_file_or_read(client, role, status):
    project, _accounts = started()
    headers = (
        {}
        if role is None
        else bearer("not-a-token")
        if role == "unknown"
        else bearer(staff_token(role=role)[1])
    )
    payload = {
        "project_id": project.pk,
        "requester_name": "田中",
        "items": [{"field": "end_of_use", "value": "2027-01-31"}],
    }

    posted = client.post(URL, json.dumps(payload), content_type="application/json", **headers)
    read = client.get(f"{URL}/H2026-00001", **headers)

    assert (posted.status_code, read.status_code) == (status, status)
    assert ChangeRequest.objects.count() == 0


def test_the_status_of_a_request_with_no_values_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    project, _accounts = started()
    _staff, secret = staff_token()
    created = _post(
        client,
        {
            "project_id": project.pk,
            "requester_name": "田中 一郎",
            "items": [{"field": "end_of_use", "value": "2027-01-31"}],
        },
        secret,
    ).json()

    with django_assert_max_num_queries(6):
        response = client.get(f"{URL}/{created['number'].lower()}", **bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["status"], [item["field"] for item in body["items"]]) == (
        created["number"],
        "submitted",
        ["end_of_use"],
    )
    assert "2027-01-31" not in response.content.decode()
    assert client.get(f"{URL}/H2099-00001", **bearer(secret)).status_code == 404


def test_the_endpoints_are_documented_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()

    assert {"post"} <= schema["paths"]["/api/changes"].keys()
    assert {"get"} <= schema["paths"]["/api/changes/{number}"].keys()
    assert schema["paths"]["/api/changes"]["post"]["operationId"] == "change_request_create"
