"""Rows written past what a workbook form holds: refused with the sheet and the limit named, and a
huge workbook refused from a stream of its first rows instead of being loaded whole."""

from __future__ import annotations

import re
import time
from io import BytesIO

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from calsreg.applications.excel import workbook_build, workbook_read
from calsreg.core.errors import UploadRefused
from tests.api.helpers import NOTHING_STORED, media_files, stored_counts
from tests.applications.files.workbooks import (
    OFFICES,
    cell_by_name,
    complete_payload,
    complete_values,
    edited,
    filled,
    rezipped,
    user_row,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ADVICE = (
    "利用者は10人まで記入できます。10人を超える場合は、ポータルの入力フォーム（30人まで）で申し込むか、"
    "ヘルプデスクにご相談ください。"
)
# Reading the whole 10,000-row workbook took about 1 s of CPU on the 2-core test machine (8 s was
# seen on the server); refused from the stream it takes under 0.1 s. The bound leaves room for a
# slow machine while still failing if the workbook were loaded whole.
CPU_SECONDS_BOUND = 0.5


def _complete() -> bytes:
    return filled(workbook_build(office_names=OFFICES), complete_values())


def _with_rows(content: bytes, first_row: int, count: int, *, columns: range = range(2, 8)) -> bytes:
    """``count`` user-like rows written on 「申込書」 from ``first_row`` down, as a script would."""

    def write(workbook: Workbook) -> None:
        sheet = workbook["申込書"]
        for offset in range(count):
            values = list(user_row(11 + offset).values())
            for column in columns:
                sheet.cell(row=first_row + offset, column=column, value=values[(column - 2) % len(values)])

    return edited(content, write)


def _refusal(content: bytes) -> str:
    with pytest.raises(UploadRefused) as caught:
        workbook_read(content=content, filename="申込書.xlsx")
    return caught.value.message


def test_ten_thousand_rows_are_refused_from_the_first_rows_past_the_limit_quickly():
    content = _with_rows(_complete(), 61, 10_000)
    workbook_read(content=_complete(), filename="warm-up.xlsx")  # the form's layout, measured once

    started = time.process_time()
    message = _refusal(content)
    spent = time.process_time() - started

    assert message == (
        "「申込書.xlsx」の「申込書」シートに、様式の100行を超えて記入があります（101行目）。"
        "様式の外に書いた内容は読み取れません。" + ADVICE
    )
    assert spent < CPU_SECONDS_BOUND


def test_a_sheet_whose_dimension_lies_is_streamed_to_what_it_really_holds():
    def understate(content: bytes) -> bytes:
        with_rows = _with_rows(content, 61, 300)
        with BytesIO(with_rows) as buffer:
            import zipfile

            sheet_xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet2.xml")
        lying = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:G60"/>', sheet_xml)
        return rezipped(with_rows, replace={"xl/worksheets/sheet2.xml": lying})

    message = _refusal(understate(_complete()))

    assert "「申込書」シートに、様式の100行を超えて記入があります（101行目）。" in message


def test_a_row_sixteen_thousand_columns_wide_is_refused_by_its_cells_not_loaded():
    content = _with_rows(_complete(), 62, 1, columns=range(1, 16_001))

    message = _refusal(content)

    assert message.startswith(
        "「申込書.xlsx」は記入されたセルが多すぎるため読み取れません（「申込書」シートで上限を超えました）。"
    )


def test_a_user_written_on_a_row_inserted_into_the_users_table_is_refused_naming_the_row():
    def insert_user_eleven(workbook: Workbook) -> None:
        sheet = workbook["申込書"]
        last = cell_by_name(workbook, "U10_requested_id").row
        # What Excel does on 「行の挿入」 under the last slot: later rows and their names move down.
        sheet.insert_rows(last + 1)
        for name in list(workbook.defined_names):
            defined = workbook.defined_names[name]
            ((title, reference),) = defined.destinations
            row = int(re.sub(r"\D", "", reference.split("$")[-1]))
            if title == "申込書" and row > last:
                defined.attr_text = re.sub(r"\$(\d+)$", f"${row + 1}", defined.attr_text)
        for column, value in enumerate(user_row(11).values(), start=2):
            sheet.cell(row=last + 1, column=column, value=value)

    message = _refusal(edited(_complete(), insert_user_eleven))

    assert message == (
        "「申込書.xlsx」の「申込書」シートの利用者の表の41行目に、欄の外の記入があります。"
        "この申込書に書ける利用者は10人までで、行を足して書いた利用者は読み取れません。"
        "10人を超える場合は、ポータルの入力フォーム（30人まで）で申し込むか、ヘルプデスクにご相談ください。"
    )


def test_a_user_typed_in_the_blank_row_under_the_table_is_refused():
    message = _refusal(_with_rows(_complete(), 41, 1))

    assert "「申込書」シートの利用者の表の41行目に、欄の外の記入があります。" in message


def test_text_below_the_form_is_refused_naming_the_last_row():
    content = edited(_complete(), lambda workbook: workbook["申込書"].cell(row=70, column=3, value="追記"))

    assert _refusal(content) == (
        "「申込書.xlsx」の「申込書」シートの70行目に記入があります。申込書は60行目までで、"
        "それより下に書いた内容は読み取れません。申込書の黄色の欄に記入し直して送ってください。"
    )


def test_a_form_with_a_blank_row_inserted_by_hand_still_reads():
    def insert_blank_row(workbook: Workbook) -> None:
        workbook["申込書"].insert_rows(3)
        for name in list(workbook.defined_names):
            defined = workbook.defined_names[name]
            if defined.attr_text.startswith("'申込書'!"):
                defined.attr_text = re.sub(
                    r"\$(\d+)$", lambda m: f"${int(m.group(1)) + 1}", defined.attr_text
                )

    payload = workbook_read(content=edited(_complete(), insert_blank_row), filename="a.xlsx")

    assert payload == complete_payload()


@pytest.mark.django_db
def test_the_portal_refuses_a_ten_thousand_row_upload_with_422_and_stores_nothing(client):
    content = _with_rows(_complete(), 61, 10_000)

    response = client.post(
        "/apply/upload/", {"workbook": SimpleUploadedFile("申込書.xlsx", content, content_type=XLSX)}
    )

    assert response.status_code == 422
    assert "「申込書」シートに、様式の100行を超えて記入があります（101行目）。" in response.content.decode()
    assert stored_counts() == NOTHING_STORED
    assert media_files() == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_api_refuses_the_same_upload_with_422(client):
    content = _with_rows(_complete(), 41, 1)

    response = client.post(
        "/api/applications/workbook", {"file": SimpleUploadedFile("申込書.xlsx", content, content_type=XLSX)}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "upload_refused"
    assert "利用者の表の41行目に、欄の外の記入があります。" in response.json()["message"]
    assert stored_counts() == NOTHING_STORED


def test_the_generated_form_itself_passes():
    workbook = load_workbook(BytesIO(_complete()))

    assert workbook["申込書"].max_row == 60
    assert workbook_read(content=_complete(), filename="a.xlsx") == complete_payload()
