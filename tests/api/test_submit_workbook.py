"""POST /api/applications/workbook: a filled-in form, read by defined names, kept as evidence."""

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calsreg.applications.excel.template import workbook_build
from calsreg.applications.models import Application
from calsreg.records.models import AuditEvent, Evidence
from tests.api.helpers import NOTHING_STORED, stored_counts, workbook_filled
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

URL = "/api/applications/workbook"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _values(office_name: str) -> dict:
    return {
        "F_office": office_name,
        "F_project_number": "R8-新潟-土木-0456",
        "F_project_name": "阿賀野川堤防補強工事",
        "F_project_location": "新潟市北区〇〇地内",
        "F_period_start": date(2026, 12, 1),
        "F_period_end": date(2027, 3, 19),
        "F_contract_amount": 12_100_000,
        "F_contract_date": date(2026, 11, 20),
        "F_contractor_name": "株式会社蒲原組",
        "F_contractor_kana": "カブシキガイシャカンバラグミ",
        "F_contractor_representative": "蒲原 太郎",
        "F_contractor_postcode": "950-3300",
        "F_contractor_address": "新潟県新潟市北区葛塚1番地",
        "F_contractor_phone": "025-387-0000",
        "F_applicant_name": "葛塚 花子",
        "F_applicant_kana": "クズツカ ハナコ",
        "F_applicant_email": "hanako@kambara.example.jp",
        "F_applicant_phone": "090-8765-4321",
        "F_billing_addressee": "株式会社蒲原組",
        "F_billing_postcode": "950-3300",
        "F_billing_address": "新潟県新潟市北区葛塚1番地",
        "F_billing_phone": "025-387-0000",
        "U01_role": "現場代理人",
        "U01_name": "葛塚 花子",
        "U01_kana": "クズツカ ハナコ",
        "U01_email": "hanako@kambara.example.jp",
        "U01_phone": "090-8765-4321",
        "U01_requested_id": "hanako",
        "S01_name": "佐藤 一郎",
        "S01_title": "主任監督員",
        "F_terms_accepted": "同意する",
    }


def _upload(client, content: bytes, name: str = "申込書.xlsx"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type=XLSX)})


@pytest.fixture
def office():
    return SupervisorFactory().office


def test_a_filled_workbook_creates_one_application_and_keeps_the_file_as_evidence(client, office):
    content = workbook_filled(workbook_build(office_names=[office.name]), _values(office.name))

    response = _upload(client, content)

    assert response.status_code == 201
    application = Application.objects.get()
    assert response.json() == {
        "receipt_number": application.receipt_number,
        "status": "submitted",
        "status_label": "受付済み",
        "notices": [],
    }
    assert (application.channel, application.office, application.form_version) == (
        "api",
        office,
        "CALSREG-APP-2026.1",
    )
    assert (application.project_name, application.contract_amount, application.period_end) == (
        "阿賀野川堤防補強工事",
        12_100_000,
        date(2027, 3, 19),
    )
    assert list(application.users.values_list("position", "role", "requested_id")) == [
        (1, "site_agent", "hanako")
    ]
    # Typed names are kept for the desk to match; no directory supervisor is chosen from them.
    assert application.stated_supervisors == [{"name": "佐藤 一郎", "title": "chief_supervisor"}]
    assert list(application.supervisors.all()) == []
    (evidence,) = Evidence.objects.all()
    assert (evidence.kind, evidence.original_name, evidence.sha256) == (
        "application_workbook",
        "申込書.xlsx",
        hashlib.sha256(content).hexdigest(),
    )
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["application.submitted"]


def test_a_workbook_with_mistakes_answers_with_the_validators_messages_and_stores_nothing(client, office):
    values = {**_values(office.name), "F_applicant_email": "hanako@", "U01_requested_id": "花子"}
    content = workbook_filled(workbook_build(office_names=[office.name]), values)

    response = _upload(client, content)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "applicant_email",
            "label": "メールアドレス",
            "message": "「メールアドレス」の形式が正しくありません（例: taro@example.co.jp）。",
        },
        {
            "field": "users[1].requested_id",
            "label": "利用者1の希望ID",
            "message": "「利用者1の希望ID」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。",
        },
    ]
    assert stored_counts() == NOTHING_STORED


def test_a_file_that_is_not_a_workbook_is_refused_and_nothing_is_stored(client, office):
    response = _upload(client, b"%PDF-1.7 not a workbook", name="申込書.pdf")

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["errors"]) == ("upload_refused", [])
    assert "申込書.pdf" in body["message"]
    assert stored_counts() == NOTHING_STORED


def test_an_upload_without_a_file_is_refused(client):
    response = client.post(URL, {})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "file", "label": "申込書ファイル", "message": "「申込書ファイル」がありません。"}
    ]
    assert stored_counts() == NOTHING_STORED


def test_an_oversized_upload_is_refused_before_it_is_read(client, office, settings):
    settings.UPLOAD_MAX_BYTES = 1024

    response = _upload(client, b"PK" + b"\0" * 2046)

    assert response.status_code == 422
    assert response.json() == {
        "code": "upload_refused",
        "message": "「申込書.xlsx」は大きすぎます（2KB。上限は1KBです）。"
        "画像などを貼り付けず、ダウンロードした申込書に記入して送ってください。",
        "errors": [],
    }
    assert stored_counts() == NOTHING_STORED
