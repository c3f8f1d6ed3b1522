"""The Excel change form uploaded with rows past what it holds (a sixth person under the table, ten
thousand rows): refused with the sheet and the limit named, and nothing filed, kept or sent."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.core import mail
from openpyxl import Workbook

from calsreg.changes.excel import change_workbook_build
from tests.api.helpers import media_files
from tests.applications.files.workbooks import cell_by_name, edited
from tests.portal.test_change_mypage import filer, stored
from tests.portal.test_change_upload import upload

pytestmark = pytest.mark.django_db

ADVICE = (
    "変更申込書に書ける追加の利用者は5人までです。それより多い場合は、"
    "マイページの変更申込フォームで申し込むか、ヘルプデスクにご相談ください。"
)
PERSON = ["", "現場代理人", "新井 六郎", "アライ ロクロウ", "arai@example.co.jp", "090-1111-2222", "arai"]


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def _people_below_the_table(count: int):
    def write(workbook: Workbook) -> None:
        first = cell_by_name(workbook, "N05_requested_id").row + 1
        sheet = workbook["利用者"]
        for offset in range(count):
            for column, value in enumerate(PERSON, start=2):
                sheet.cell(row=first + offset, column=column, value=f"{value}{offset}" if value else None)

    return write


def test_a_sixth_new_user_under_the_table_is_refused_naming_the_sheet_and_row(client):
    project, tanaka, _suzuki = filer()
    client.force_login(tanaka)
    content = edited(change_workbook_build(project=project, requester=tanaka), _people_below_the_table(1))
    before, sent, files = stored(), len(mail.outbox), media_files()

    response = client.post(f"/mypage/changes/{project.pk}/upload/", {"workbook": upload(content)})

    assert response.status_code == 422
    assert (
        "「変更申込書.xlsx」の「利用者」シートの24行目に記入があります。"
        "このシートの様式は23行目までで、それより下に書いた内容は読み取れません。" + ADVICE
    ) in response.content.decode()
    assert stored() == before
    assert (len(mail.outbox), media_files()) == (sent, files)


def test_ten_thousand_rows_on_the_portal_are_refused_from_the_first_rows_quickly(client):
    project, tanaka, _suzuki = filer()
    content = edited(
        change_workbook_build(project=project, requester=tanaka), _people_below_the_table(10_000)
    )
    before = stored()

    started = time.process_time()
    response = client.post(
        "/changes/upload/", {"reference": project.project_number, "workbook": upload(content)}
    )
    spent = time.process_time() - started

    assert response.status_code == 422
    assert (
        "「変更申込書.xlsx」の「利用者」シートに、様式の1100行を超えて記入があります（1101行目）。"
        in response.content.decode()
    )
    assert stored() == before
    # Loading it whole took about 1.6 s of CPU; streamed, the refusal takes about 0.1 s.
    assert spent < 0.8
