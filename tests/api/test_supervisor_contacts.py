"""Security invariant 1 through the API: the payload cannot name whom the orderer's confirmation reaches."""

import json

import pytest

from calsreg.notifications.models import Delivery
from tests.api.helpers import NOTHING_STORED, api_payload, stored_counts
from tests.factories import OfficeFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

URL = "/api/applications"


def _post(client, payload):
    return client.post(URL, json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"supervisor_email": "attacker@example.com"}, "supervisor_email"),
        ({"supervisor_phone": "090-9999-9999"}, "supervisor_phone"),
        ({"supervisors": [{"name": "偽 監督", "email": "attacker@example.com"}]}, "supervisors"),
    ],
)
def test_a_payload_naming_a_supervisor_contact_is_refused_and_nothing_is_stored(client, extra, field):
    supervisor = SupervisorFactory()
    payload = {**api_payload(office=supervisor.office, supervisors=[supervisor]), **extra}

    response = _post(client, payload)

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_failed",
        "message": f"{field}: 「{field}」という項目は受け付けていません。項目名を確認してください。",
        "errors": [
            {
                "field": field,
                "label": "",
                "message": f"「{field}」という項目は受け付けていません。項目名を確認してください。",
            }
        ],
    }
    assert stored_counts() == NOTHING_STORED


def test_an_address_hidden_in_a_user_row_is_refused(client):
    supervisor = SupervisorFactory()
    payload = api_payload(office=supervisor.office, supervisors=[supervisor])
    payload["users"][0]["supervisor_email"] = "attacker@example.com"

    response = _post(client, payload)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["users[1].supervisor_email"]
    assert stored_counts() == NOTHING_STORED


def test_supervisor_ids_of_another_office_are_refused_and_nobody_is_contacted(client):
    own = SupervisorFactory()
    elsewhere = SupervisorFactory(office=OfficeFactory())
    payload = api_payload(office=own.office, supervisors=[own, elsewhere])

    response = _post(client, payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "supervisor_ids",
            "label": "発注者の監督員",
            "message": "選ばれた監督員が、指定した発注事務所の名簿にありません。一覧から選び直してください。",
        }
    ]
    assert stored_counts() == NOTHING_STORED
    assert not Delivery.objects.filter(to_address=elsewhere.email).exists()


def test_an_inactive_supervisor_of_the_office_is_refused(client):
    active = SupervisorFactory()
    retired = SupervisorFactory(office=active.office, active=False)
    payload = api_payload(office=active.office, supervisors=[retired])

    response = _post(client, payload)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["supervisor_ids"]
    assert stored_counts() == NOTHING_STORED


def test_a_payload_without_supervisor_ids_is_refused(client):
    supervisor = SupervisorFactory()
    payload = api_payload(office=supervisor.office, supervisors=[])

    response = _post(client, payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "supervisor_ids",
            "label": "発注者の監督員",
            "message": "この工事の監督員を名簿から1人以上選んでください。",
        }
    ]
    assert stored_counts() == NOTHING_STORED
