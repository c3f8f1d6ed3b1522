"""POST /api/applications: the web form's validator, one atomic submit, nothing stored on a refusal."""

import json
from datetime import date

import pytest

from calsreg.applications.models import Application
from calsreg.applications.validation import validate_application
from calsreg.core.errors import ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.api.helpers import NOTHING_STORED, api_payload, stored_counts
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

URL = "/api/applications"


@pytest.fixture
def supervisor():
    return SupervisorFactory()


def _post(client, payload):
    return client.post(URL, json.dumps(payload), content_type="application/json")


def test_valid_json_creates_exactly_one_application_with_the_exact_values(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor])

    response = _post(client, payload)

    assert response.status_code == 201
    application = Application.objects.get()
    assert response.json() == {
        "receipt_number": application.receipt_number,
        "status": "submitted",
        "status_label": "受付済み",
        "notices": [],
    }
    assert (application.channel, application.office, application.terms_version) == (
        "api",
        supervisor.office,
        "2026-04",
    )
    assert {
        key: getattr(application, key)
        for key in (
            "project_number",
            "project_name",
            "project_location",
            "period_start",
            "period_end",
            "contract_amount",
            "contract_date",
            "contractor_name",
            "contractor_kana",
            "contractor_postcode",
            "applicant_email",
            "applicant_phone",
            "billing_department",
        )
    } == {
        "project_number": "R8-新潟-土木-0123",
        "project_name": "信濃川護岸設置工事",
        "project_location": "新潟市中央区白山浦地内",
        "period_start": date(2026, 12, 1),
        "period_end": date(2027, 3, 19),
        "contract_amount": 48_400_000,
        "contract_date": date(2026, 11, 20),
        "contractor_name": "株式会社越後建設",
        "contractor_kana": "カブシキガイシャエチゴケンセツ",
        "contractor_postcode": "950-0088",
        "applicant_email": "tanaka@echigo-kensetsu.example.co.jp",
        "applicant_phone": "090-1234-5678",
        "billing_department": "工事部",
    }
    assert list(application.users.values_list("position", "role", "requested_id", "email")) == [
        (1, "site_agent", "tanaka", "tanaka@echigo-kensetsu.example.co.jp"),
        (2, "engineer", "suzuki2", "suzuki@echigo-kensetsu.example.co.jp"),
    ]
    assert list(application.supervisors.all()) == [supervisor]


def test_valid_json_keeps_the_submission_as_evidence_audits_it_and_enqueues_one_acknowledgment(
    client, supervisor
):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor])

    _post(client, payload)

    application = Application.objects.get()
    (evidence,) = Evidence.objects.all()
    assert (evidence.kind, evidence.subject_type, evidence.subject_id) == (
        "application_api",
        "application",
        application.pk,
    )
    with evidence.file.open("rb") as handle:
        assert json.loads(handle.read()) == payload
    (event,) = AuditEvent.objects.all()
    assert (event.action, event.actor_type, event.actor_label, event.subject_id) == (
        "application.submitted",
        "applicant",
        "tanaka@echigo-kensetsu.example.co.jp",
        application.pk,
    )
    (delivery,) = Delivery.objects.all()
    assert (delivery.kind, delivery.to_address, delivery.context["receipt_number"]) == (
        "application_received",
        "tanaka@echigo-kensetsu.example.co.jp",
        application.receipt_number,
    )


def test_full_width_input_is_normalised_and_reported_as_a_notice(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor])
    payload["users"][0]["requested_id"] = "ｔａｎａｋａ"

    response = _post(client, payload)

    assert response.status_code == 201
    assert response.json()["notices"] == [
        "「利用者1の希望ID」の全角文字を半角に直しました: ｔａｎａｋａ → tanaka"
    ]
    assert Application.objects.get().users.get(position=1).requested_id == "tanaka"


def test_numbers_sent_as_json_numbers_are_read_as_their_digits(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], contract_amount=48400000)

    response = _post(client, payload)

    assert response.status_code == 201
    assert Application.objects.get().contract_amount == 48_400_000


def test_validation_error_answers_with_the_validators_own_messages_and_stores_nothing(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], applicant_email="tanaka@")
    payload["users"][1]["requested_id"] = "suzuki-2"
    with pytest.raises(ValidationFailed) as expected:
        validate_application(payload, require_directory_supervisors=True)

    response = _post(client, payload)

    assert response.status_code == 422
    assert response.json() == {
        "code": "validation_failed",
        "message": expected.value.message,
        "errors": [error.as_dict() for error in expected.value.errors],
    }
    assert response.json()["errors"] == [
        {
            "field": "applicant_email",
            "label": "メールアドレス",
            "message": "「メールアドレス」の形式が正しくありません（例: taro@example.co.jp）。",
        },
        {
            "field": "users[2].requested_id",
            "label": "利用者2の希望ID",
            "message": "「利用者2の希望ID」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。",
        },
    ]
    assert stored_counts() == NOTHING_STORED


def test_missing_fields_and_no_users_are_reported_by_the_validator(client, supervisor):
    response = _post(
        client, {"office": supervisor.office.code, "terms_accepted": True, "supervisor_ids": [supervisor.pk]}
    )

    assert response.status_code == 422
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors["project_name"] == "「工事名」を入力してください。"
    assert errors["users"] == "利用者を1人以上入力してください。"
    assert "office" not in errors
    assert stored_counts() == NOTHING_STORED


def test_terms_not_accepted_is_refused(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], terms_accepted=False)

    response = _post(client, payload)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "terms_accepted",
            "label": "利用規約への同意",
            "message": "利用規約を読み、「同意する」を選んでください。",
        }
    ]
    assert stored_counts() == NOTHING_STORED


def test_wrong_types_are_refused_in_the_same_error_shape_with_paths_counted_from_one(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], supervisor_ids="all")
    payload["users"][1]["name"] = ["鈴木"]

    response = _post(client, payload)

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == [
        {
            "field": "users[2].name",
            "label": "利用者2の氏名",
            "message": "「利用者2の氏名」は文字列で送ってください。",
        },
        {
            "field": "supervisor_ids",
            "label": "発注者の監督員",
            "message": "「発注者の監督員」は配列で送ってください。",
        },
    ]
    assert stored_counts() == NOTHING_STORED


def test_a_body_that_is_not_json_is_refused_in_the_same_shape(client):
    response = client.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_request",
        "message": "リクエストの本文を読めません。JSONの形式を確認してください。",
        "errors": [],
    }
    assert stored_counts() == NOTHING_STORED


def test_a_json_array_instead_of_an_object_is_refused(client):
    response = client.post(URL, "[1]", content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body", "label": "本文", "message": "「本文」はオブジェクトで送ってください。"}
    ]
    assert stored_counts() == NOTHING_STORED
