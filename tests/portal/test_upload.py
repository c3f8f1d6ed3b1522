"""Uploading a filled workbook: an application with the file kept, or the reason and nothing stored."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from calsreg.applications.excel.template import workbook_build
from calsreg.applications.models import Application, ApplicationUser
from calsreg.directory.demo import load_demo_directory
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.applications.files.workbooks import OFFICES, complete_values, filled

pytestmark = pytest.mark.django_db

URL = "/apply/upload/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def directory():
    load_demo_directory(actor=Actor.system())


def _values(**changes):
    """Every cell filled with valid values (the shared fixture's phone numbers are not real ones)."""
    values = complete_values() | {
        f"U{slot:02d}_phone": f"090-1234-{5670 + slot:04d}" for slot in range(1, 11)
    }
    return values | changes


def _counts():
    return (
        Application.objects.count(),
        ApplicationUser.objects.count(),
        Evidence.objects.count(),
        AuditEvent.objects.count(),
        Delivery.objects.count(),
    )


def _upload(client, content, name="CALS利用申込書.xlsx"):
    return client.post(URL, {"workbook": SimpleUploadedFile(name, content, content_type=XLSX)})


def test_the_upload_page_explains_what_to_send(client):
    html = client.get(URL).content.decode()

    assert "記入済みの申込書をアップロード" in html
    assert 'accept=".xlsx,' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_filled_workbook_becomes_one_application_with_the_file_kept_as_evidence(client):
    content = filled(workbook_build(office_names=OFFICES), _values())

    response = _upload(client, content)

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/apply/receipt/{application.receipt_number}/"
    assert (application.channel, application.office.name) == ("workbook", "長岡地域振興局 地域整備部")
    assert application.users.count() == 10
    assert application.stated_supervisors[0] == {"name": "佐藤 一郎", "title": "chief_supervisor"}
    (evidence,) = Evidence.objects.all()
    assert (evidence.kind, evidence.original_name, evidence.content_type) == (
        "application_workbook",
        "CALS利用申込書.xlsx",
        XLSX,
    )
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert Delivery.objects.get().kind == "application_received"
    assert application.receipt_number in client.get(response["Location"]).content.decode()


def test_a_file_that_is_not_a_workbook_is_refused_with_the_readers_message_and_nothing_stored(client):
    before = _counts()

    response = _upload(client, b"%PDF-1.7 this is not a workbook", name="申込書.pdf")

    html = response.content.decode()
    assert response.status_code == 422  # as the API and the desk answer a refused file
    assert "申込書を受け付けられませんでした。" in html
    assert "申込書.pdf" in html
    assert _counts() == before


def test_an_upload_without_a_file_asks_for_one(client):
    before = _counts()

    response = client.post(URL, {})

    assert response.status_code == 422
    assert "アップロードする申込書（Excelファイル）を選んでください。" in response.content.decode()
    assert _counts() == before


def test_an_oversized_file_is_refused_before_it_is_read(client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    before = _counts()

    response = _upload(client, b"x" * 1001)

    assert response.status_code == 422
    assert "ファイルが大きすぎます（上限 1000" in response.content.decode()
    assert _counts() == before


def test_a_workbook_with_mistakes_lists_each_field_and_message_and_stores_nothing(client):
    values = _values(F_project_name="", F_contract_amount="四千万", U03_requested_id="a!")
    content = filled(workbook_build(office_names=OFFICES), values)
    before = _counts()

    response = _upload(client, content)

    html = response.content.decode()
    assert response.status_code == 422
    assert "申込書に次の問題があります（3件）" in html
    assert "Excelで修正してから、もう一度アップロードしてください。" in html
    assert '<th scope="row">工事名</th><td>「工事名」を入力してください。</td>' in html
    assert "「請負金額（円・税込）」は円単位の半角数字で入力してください（例: 48400000）。" in html
    assert "「利用者3の希望ID」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。" in html
    assert _counts() == before
