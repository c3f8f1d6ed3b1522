"""Attacks on the API with characters no field may hold, sent as a client would (JSON text, raw bytes
with escapes a JSON encoder never writes): each is a 422 naming the field, never a 500, and nothing
is stored, kept or sent."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail

from calsreg.changes.models import ChangeRequest
from tests.accounts.helpers import started
from tests.api.helpers import NOTHING_STORED, api_payload, bearer, media_files, staff_token, stored_counts
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

URL = "/api/applications"
MARKER = "REPLACED-BY-RAW-JSON"


@pytest.fixture
def supervisor():
    return SupervisorFactory()


def _post_raw(client, body: str):
    client.raise_request_exception = False  # a 500 must show as a 500, not as a test error
    return client.post(URL, body.encode("utf-8"), content_type="application/json")


def _raw_body(payload: dict, raw_value: str) -> str:
    """The payload as JSON text with ``MARKER`` replaced by ``raw_value`` written as is (escapes)."""
    return json.dumps(payload, ensure_ascii=False).replace(f'"{MARKER}"', raw_value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("project_name", "信濃川\x00工事", "「工事名」の4文字目に、使えない制御文字（U+0000）があります。"),
        ("contractor_name", "越後\x07建設", "「会社名」の3文字目に、使えない制御文字（U+0007）があります。"),
        (
            "applicant_name",
            "田中\x9b一郎",
            "「担当者氏名」の3文字目に、使えない制御文字（U+009B）があります。",
        ),
        (
            "billing_addressee",
            "越後\u202e建設",
            "「宛名」の3文字目に、文字の表示順を変える制御文字（U+202E）があります。",
        ),
        ("project_location", "新潟市\n中央区", "「工事場所」の4文字目に改行があります。"),
    ],
)
def test_a_bad_character_in_a_json_field_is_a_422_naming_it_and_nothing_is_stored(
    client, supervisor, key, value, message
):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], **{key: value})

    response = client.post(URL, json.dumps(payload), content_type="application/json")

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == key
    assert error["message"].startswith(message)
    assert stored_counts() == NOTHING_STORED
    assert media_files() == []
    assert mail.outbox == []


def test_a_lone_surrogate_escape_in_a_value_is_a_422_naming_the_field(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], project_name=MARKER)

    response = _post_raw(client, _raw_body(payload, '"\\ud800 工事"'))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "project_name",
            "label": "工事名",
            "message": "「工事名」の1文字目に、文字として読めないデータ（U+D800）があります。"
            "正しい文字で入力し直してください。",
        }
    ]
    assert stored_counts() == NOTHING_STORED
    assert media_files() == []


def test_a_nul_escape_in_a_user_row_is_a_422_naming_the_user_field(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor])
    payload["users"][1]["name"] = MARKER

    response = _post_raw(client, _raw_body(payload, '"鈴木\\u0000次郎"'))

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["label"]) == ("users[2].name", "利用者2の氏名")
    assert error["message"].startswith("「利用者2の氏名」の3文字目に、使えない制御文字（U+0000）があります。")
    assert stored_counts() == NOTHING_STORED


def test_a_lone_surrogate_in_a_key_is_a_422_and_the_answer_can_still_be_encoded(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor])
    body = json.dumps(payload)[:-1] + ', "\\udc00x": 1}'

    response = _post_raw(client, body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["message"] == (
        "「本文」に文字として読めないデータがあります。正しい文字で送ってください。"
    )
    assert stored_counts() == NOTHING_STORED


def test_a_phone_number_with_letters_is_refused_not_stored_as_keypad_digits(client, supervisor):
    payload = api_payload(office=supervisor.office, supervisors=[supervisor], applicant_phone="0254-ab-cdef")

    response = client.post(URL, json.dumps(payload), content_type="application/json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "applicant_phone",
            "label": "電話番号",
            "message": "「電話番号」に文字が含まれています。電話番号は数字とハイフンだけで入力してください"
            "（例: 025-285-5511）。",
        }
    ]
    assert stored_counts() == NOTHING_STORED


def test_a_nul_in_a_query_parameter_is_a_422_not_a_database_error(client):
    _staff, secret = staff_token()
    client.raise_request_exception = False

    response = client.get("/api/staff/applications", {"q": "R8\x00"}, **bearer(secret))

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "q"
    assert "使えない制御文字（U+0000）" in error["message"]


@time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)
def test_a_change_request_reason_may_have_lines_but_no_bidi_override(client):
    project, _accounts = started()
    _staff, secret = staff_token()
    payload = {
        "project_id": project.pk,
        "requester_name": "田中 一郎",
        "reason": "電話で依頼を受けた。\n詳細は\u202e別紙",
        "items": [{"field": "period_end", "value": "2027-05-31"}],
    }

    response = client.post(
        "/api/changes", json.dumps(payload), content_type="application/json", **bearer(secret)
    )

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "reason"
    assert error["message"].startswith(
        "「理由」の15文字目に、文字の表示順を変える制御文字（U+202E）があります。"
    )
    assert ChangeRequest.objects.count() == 0


def test_a_nul_in_a_path_parameter_is_not_found_before_any_query(client):
    _staff, secret = staff_token()
    client.raise_request_exception = False

    application = client.get("/api/staff/applications/A2026-0%001", **bearer(secret))
    change = client.get("/api/changes/H2026-%0000001", **bearer(secret))

    assert (application.status_code, change.status_code) == (404, 404)
