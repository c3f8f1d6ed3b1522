"""Attacks on the portal with characters no field may hold: NUL, control and bidi characters, line
breaks in one-line fields, letters in a phone number. Each is refused (422) with the field named,
and nothing is stored, kept or sent."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from calsreg.applications.excel import workbook_build
from calsreg.changes.models import ChangeRequest
from tests.api.helpers import NOTHING_STORED, media_files, stored_counts
from tests.applications.files.workbooks import OFFICES, complete_values, filled
from tests.factories import SupervisorFactory
from tests.portal.helpers import form_post
from tests.portal.test_change_mypage import filer, form_url, stored

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# (field, value typed, the message shown): one per refused class of character.
ATTACKS = [
    ("project_name", "信濃川\x00護岸工事", "「工事名」の4文字目に、使えない制御文字（U+0000）があります。"),
    ("contractor_name", "越後\x1b建設", "「会社名」の3文字目に、使えない制御文字（U+001B）があります。"),
    ("applicant_name", "田中\x85一郎", "「担当者氏名」の3文字目に、使えない制御文字（U+0085）があります。"),
    (
        "billing_addressee",
        "株式会社\u202eＲＥＫＡＭ",
        "「宛名」の5文字目に、文字の表示順を変える制御文字（U+202E）があります。",
    ),
    (
        "project_location",
        "新潟市\u2066中央区\u2069",
        "「工事場所」の4文字目に、文字の表示順を変える制御文字（U+2066）",
    ),
    (
        "contractor_representative",
        "越後\u200e正樹",
        "「代表者氏名」の3文字目に、文字の表示順を変える制御文字（U+200E）",
    ),
    (
        "contractor_address",
        "新潟市\r\n中央区",
        "「住所」の4文字目に改行があります。改行を消して1行で入力してください。",
    ),
    ("billing_department", "工事部\t経理", "「部署名」の4文字目にタブ文字があります。"),
]


@pytest.fixture
def supervisor():
    return SupervisorFactory()


@pytest.mark.parametrize(("field", "value", "message"), ATTACKS)
def test_the_web_form_refuses_a_bad_character_naming_the_field_and_stores_nothing(
    client, supervisor, field, value, message
):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], **{field: value})

    response = client.post("/apply/", body)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert stored_counts() == NOTHING_STORED
    assert media_files() == []
    assert mail.outbox == []


def test_the_web_form_refuses_a_bad_character_in_a_user_row(client, supervisor):
    users = [
        {"position": 1, "role": "site_agent", "name": "田中\u202e一郎", "kana": "タナカ イチロウ",
         "email": "tanaka@echigo-kensetsu.example.co.jp", "phone": "090-1234-5678", "requested_id": "tanaka"},
    ]  # fmt: skip
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], users=users)

    response = client.post("/apply/", body)

    assert response.status_code == 422
    assert "「利用者1の氏名」の3文字目に、文字の表示順を変える制御文字（U+202E）があります。" in (
        response.content.decode()
    )
    assert stored_counts() == NOTHING_STORED


def test_a_phone_number_with_letters_is_refused_not_read_as_keypad_digits(client, supervisor):
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], applicant_phone="0254-ab-cdef")

    response = client.post("/apply/", body)

    assert response.status_code == 422
    assert (
        "「電話番号」に文字が含まれています。電話番号は数字とハイフンだけで入力してください（例: 025-285-5511）。"
        in response.content.decode()
    )
    assert "0254-22-2333" not in response.content.decode()
    assert stored_counts() == NOTHING_STORED


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        (
            "F_contractor_name",
            "越後\u202e建設",
            "「会社名」の3文字目に、文字の表示順を変える制御文字（U+202E）",
        ),
        ("F_billing_addressee", "越後\x85建設", "「宛名」の3文字目に、使えない制御文字（U+0085）"),
        ("U01_name", "越後\n太郎", "「利用者1の氏名」の3文字目に改行があります。"),
        ("F_applicant_phone", "0254-ab-cdef", "「電話番号」に文字が含まれています。"),
    ],
)
def test_a_workbook_cell_with_a_bad_character_is_refused_naming_the_field(client, cell, value, message):
    content = filled(workbook_build(office_names=OFFICES), {**complete_values(), cell: value})
    SupervisorFactory(office__name=OFFICES[1])

    response = client.post(
        "/apply/upload/", {"workbook": SimpleUploadedFile("申込書.xlsx", content, content_type=XLSX)}
    )

    assert response.status_code == 422
    assert message in response.content.decode()
    assert stored_counts() == NOTHING_STORED
    assert media_files() == []
    assert mail.outbox == []


def test_the_status_lookup_refuses_a_nul_instead_of_querying_with_it(client):
    response = client.post("/status/", {"receipt_number": "A2026-00001", "email": "a\x00@example.jp"})

    assert response.status_code == 422
    assert (
        "「メールアドレス」の2文字目に、使えない制御文字（U+0000）があります。" in response.content.decode()
    )


@time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            {"requester_name": "田中\x00一郎"},
            "「申込者氏名」の3文字目に、使えない制御文字（U+0000）があります。",
        ),
        ({"new-project_name": "信濃川\u202e工事"}, "文字の表示順を変える制御文字（U+202E）があります。"),
        ({"acct-{suzuki}-phone": "0254-ab-cdef"}, "に文字が含まれています。電話番号は数字とハイフンだけで"),
        ({"reason": "理由\u2067です"}, "「変更の理由」の3文字目に、文字の表示順を変える制御文字（U+2067）"),
    ],
)
def test_the_my_page_change_form_refuses_a_bad_character_and_files_nothing(client, inputs, message):
    project, tanaka, suzuki = filer()
    client.force_login(tanaka)
    before, sent, files = stored(), len(mail.outbox), media_files()
    body = {"requester_name": "田中 一郎", "new-project_location": "長岡市〇〇町地内"}
    body |= {key.replace("{suzuki}", suzuki.username): value for key, value in inputs.items()}

    response = client.post(form_url(project), body)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert stored() == before
    assert ChangeRequest.objects.count() == 0
    assert (len(mail.outbox), media_files()) == (sent, files)
    suzuki.refresh_from_db()
    assert suzuki.phone == "080-2345-6789"


def test_the_portal_change_form_refuses_a_nul_in_the_reference_number(client):
    response = client.post("/changes/", {"reference": "R8-\x00", "requester_name": "田中 一郎"})

    assert response.status_code == 422
    assert "「受付番号または工事番号」の4文字目に、使えない制御文字（U+0000）があります。" in (
        response.content.decode()
    )
    assert ChangeRequest.objects.count() == 0
