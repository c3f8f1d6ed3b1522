"""POST /api/applications/status (both keys must match) and GET /api/offices (what a payload may name)."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from calsreg.applications.models import Application
from tests.api.helpers import application_submitted
from tests.factories import OfficeFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

URL = "/api/applications/status"
NOT_FOUND = {
    "code": "not_found",
    "message": "受付番号とメールアドレスの組み合わせに一致する申込がありません。",
    "errors": [],
}


def _lookup(client, receipt_number, email):
    body = json.dumps({"receipt_number": receipt_number, "email": email})
    return client.post(URL, body, content_type="application/json")


@pytest.fixture
def application():
    supervisor = SupervisorFactory()
    return application_submitted(office=supervisor.office, supervisors=[supervisor])


def test_the_right_pair_answers_with_the_status_and_the_steps(client, application):
    Application.objects.filter(pk=application.pk).update(status="awaiting_confirmation")

    response = _lookup(client, application.receipt_number.lower(), "TANAKA@echigo-kensetsu.example.co.jp ")

    assert response.status_code == 200
    assert response.json() == {
        "receipt_number": application.receipt_number,
        "status": "awaiting_confirmation",
        "status_label": "発注者確認中",
        "submitted_at": DjangoJSONEncoder().default(application.submitted_at),
        "steps": [
            {"status": "submitted", "label": "受付", "state": "done"},
            {"status": "awaiting_confirmation", "label": "発注者への内容確認", "state": "current"},
            {"status": "confirmed", "label": "確認完了", "state": "todo"},
            {"status": "registered", "label": "システム登録・ID通知", "state": "todo"},
            {"status": "in_service", "label": "利用開始", "state": "todo"},
        ],
    }


def test_a_returned_application_has_no_steps_only_its_label(client, application):
    Application.objects.filter(pk=application.pk).update(status="returned")

    body = _lookup(client, application.receipt_number, "tanaka@echigo-kensetsu.example.co.jp").json()

    assert (body["status"], body["status_label"]) == ("returned", "差戻し中")
    assert body["steps"] == []


@pytest.mark.parametrize(
    ("receipt_number", "email"),
    [
        (None, "someone-else@example.co.jp"),
        ("A2026-99999", "tanaka@echigo-kensetsu.example.co.jp"),
        ("A2026-99999", "someone-else@example.co.jp"),
    ],
    ids=["wrong-email", "wrong-number", "both-wrong"],
)
def test_a_wrong_pair_gets_one_generic_404(client, application, receipt_number, email):
    response = _lookup(client, receipt_number or application.receipt_number, email)

    assert response.status_code == 404
    assert response.json() == NOT_FOUND


def test_unknown_keys_in_the_lookup_are_refused(client, application):
    body = json.dumps({"receipt_number": application.receipt_number, "email": "x@example.jp", "status": "x"})

    response = client.post(URL, body, content_type="application/json")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["status"]


def test_offices_lists_active_offices_with_active_supervisors_and_no_contacts(
    client, django_assert_num_queries
):
    office = OfficeFactory(code="1503", name="新潟地域振興局 地域整備部")
    chief = SupervisorFactory(office=office, code="150301", name="山田 直樹", title="chief_supervisor")
    SupervisorFactory(office=office, code="150302", active=False)
    OfficeFactory(code="1599", active=False)

    with django_assert_num_queries(2):
        response = client.get("/api/offices")

    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "1503",
            "name": "新潟地域振興局 地域整備部",
            "supervisors": [
                {
                    "id": chief.pk,
                    "name": "山田 直樹",
                    "title": "chief_supervisor",
                    "title_label": "主任監督員",
                }
            ],
        }
    ]
