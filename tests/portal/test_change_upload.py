"""The Excel change form on my page and the portal: download for one's own project, upload it back
(only filled 変更後 cells become items), refusals that say why, and nothing told to an anonymous filer."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from urllib.parse import quote

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from calsreg.changes.excel import change_workbook_build
from calsreg.changes.models import ChangeChannel, ChangeRequest
from tests.accounts.helpers import started
from tests.applications.files.workbooks import filled
from tests.portal.test_change_mypage import filer

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def upload(content: bytes, name: str = "変更申込書.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def test_the_holder_downloads_the_form_of_their_project_pre_filled(client):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)

    response = client.get(f"/mypage/changes/{project.pk}/form.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert quote(f"CALS変更申込書_{project.project_number}.xlsx") in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames[:3] == ["変更申込書", "利用者", "監督員"]


def test_a_filled_form_uploaded_on_my_page_is_filed_with_the_file_as_evidence(client):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)
    content = filled(
        change_workbook_build(project=project, requester=tanaka), {"C_period_end": dt.date(2027, 5, 31)}
    )

    response = client.post(f"/mypage/changes/{project.pk}/upload/", {"workbook": upload(content)})

    change = ChangeRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/changes/receipt/{change.number}/")
    assert (change.channel, change.filed_by, change.requester_name) == (
        ChangeChannel.WORKBOOK,
        tanaka,
        "田中 一郎",
    )
    assert [(i.field, i.after) for i in change.items.all()] == [("period_end", "2027-05-31")]
    assert change.form_evidence.file.read() == content
    assert change.form_evidence.content_type == XLSX


def test_problems_are_listed_by_the_cell_they_were_written_in(client):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)
    content = filled(
        change_workbook_build(project=project, requester=tanaka),
        {"C_project_name": project.name, "C_applicant_email": "tanaka@"},
    )

    response = client.post(f"/mypage/changes/{project.pk}/upload/", {"workbook": upload(content)})

    html = response.content.decode()
    assert response.status_code == 422
    assert '<th scope="row">「工事名」の変更後</th><td>「工事名」は登録内容と同じです。' in html
    assert '<th scope="row">「申込担当者：メールアドレス」の変更後</th>' in html
    assert ChangeRequest.objects.count() == 0


def test_another_projects_form_and_a_broken_file_are_refused_with_the_reason(client):
    project, tanaka, _suzuki = filer()
    other, other_accounts = started()
    client.force_login(tanaka)
    foreign = change_workbook_build(project=other, requester=other_accounts[0])

    refused = client.post(f"/mypage/changes/{project.pk}/upload/", {"workbook": upload(foreign)})
    broken = client.post(f"/mypage/changes/{project.pk}/upload/", {"workbook": upload(b"%PDF-1.7", "x.pdf")})
    missing = client.post(f"/mypage/changes/{project.pk}/upload/", {})

    assert (
        f"この変更申込書は別の工事（工事番号 {other.project_number}）のものです。" in refused.content.decode()
    )
    assert "「x.pdf」はPDFファイルです。" in broken.content.decode()
    assert "アップロードする変更申込書（Excelファイル）を選んでください。" in missing.content.decode()
    assert ChangeRequest.objects.count() == 0


def test_the_portal_takes_a_form_with_its_number_and_tells_nothing_else(client):
    project, tanaka, _suzuki = filer()
    content = filled(
        change_workbook_build(project=project, requester=tanaka), {"C_period_end": dt.date(2027, 5, 31)}
    )
    same = filled(change_workbook_build(project=project, requester=tanaka), {"C_project_name": project.name})

    wrong = client.post("/changes/upload/", {"reference": "A2099-00001", "workbook": upload(content)})
    mismatch = client.post(
        "/changes/upload/", {"reference": started()[0].project_number, "workbook": upload(content)}
    )
    not_told = client.post(
        "/changes/upload/", {"reference": project.project_number, "workbook": upload(same)}
    )
    accepted = client.post(
        "/changes/upload/", {"reference": project.project_number, "workbook": upload(content)}
    )

    generic = "入力された番号とこの変更申込書では、変更を受け付けられません。"
    assert generic in wrong.content.decode() and generic in mismatch.content.decode()
    # A value equal to the registration is filed like any other: an error would confirm the guess.
    assert not_told.status_code == 302
    change = ChangeRequest.objects.latest("pk")
    assert accepted["Location"] == f"/changes/receipt/{change.number}/"
    assert (change.channel, change.filed_by) == (ChangeChannel.WORKBOOK, None)
