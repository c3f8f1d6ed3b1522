"""Payment files the agent uploads at the desk or sends to the API: a Zengin file dated ahead is refused
like a CSV dated ahead (one rule, ``zengin/days.py``); a CSV with a column twice or a quote left open
is refused naming the line. Each refusal is a 422 that saves nothing and matches nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import Invoice, InvoiceStatus
from tests.api.helpers import bearer, staff_token
from tests.billing import zengin_writer as zw
from tests.desk.test_payment_screens import counts, make_invoice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
AHEAD = "{day} は未来の日付です（今日は2026-12-01）。その日が来てから取り込むか、ファイルの日付を確認してください。"
OPEN_QUOTE = (
    '{line}行目の引用符（"）が閉じられていないか、値の途中で改行しています。'
    '1件の入金を1行に書き、値の中の " は "" と2つ重ねてください。'
)
HEADER = "入金日,金額,振込依頼人名,依頼人コード・EDI,照会番号\r\n"


@pytest.fixture(autouse=True)
def _on_the_first_of_december_2026():
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=JST), tick=False):
        yield


@pytest.fixture
def invoice() -> Invoice:
    """A posted invoice of 44,000 yen that any of these files would pay if it were imported."""
    return make_invoice(total=44_000)


def _desk_import(client, kind: str, content: bytes):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    upload = SimpleUploadedFile("payments.csv" if kind == "csv" else "notice.txt", content)
    return client.post(reverse("desk:billing_payment_import"), {"kind": kind, "file": upload})


@pytest.fixture
def auth() -> dict[str, str]:
    return bearer(staff_token(role=Role.BILLING_AGENT)[1])


def _api_import(client, auth: dict[str, str], kind: str, content: bytes):
    upload = SimpleUploadedFile("payments.csv" if kind == "csv" else "notice.txt", content)
    return client.post("/api/billing/payments/imports", {"kind": kind, "file": upload}, **auth)


def _unchanged(invoice: Invoice, before: dict[str, int]) -> None:
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.POSTED
    assert counts() == before


SIX_MONTHS_AHEAD = date(2027, 6, 1)
ZENGIN_AHEAD = zw.notice_file(
    [{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "booked": SIX_MONTHS_AHEAD}],
    created=SIX_MONTHS_AHEAD,
    booked_from=SIX_MONTHS_AHEAD,
    booked_to=SIX_MONTHS_AHEAD,
)
ZENGIN_AHEAD_PROBLEMS = [
    (1, "作成日", AHEAD.format(day="2027-06-01")),
    (1, "勘定日（自）", AHEAD.format(day="2027-06-01")),
    (1, "勘定日（至）", AHEAD.format(day="2027-06-01")),
    (2, "勘定日", AHEAD.format(day="2027-06-01")),
    (2, "起算日", AHEAD.format(day="2027-06-01")),
]


def test_the_desk_refuses_a_zengin_file_dated_six_months_ahead(client, invoice):
    before = counts()

    response = _desk_import(client, "zengin", ZENGIN_AHEAD)

    assert response.status_code == 422
    assert [(p.line, str(p.label), p.message) for p in response.context["problems"]] == ZENGIN_AHEAD_PROBLEMS
    _unchanged(invoice, before)


def test_the_api_refuses_a_zengin_transfer_booked_tomorrow(client, auth, invoice):
    tomorrow = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "booked": date(2026, 12, 2)}])
    before = counts()

    response = _api_import(client, auth, "zengin", tomorrow)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lines[2].booked_on", "label": "2行目・勘定日", "message": AHEAD.format(day="2026-12-02")},
        {"field": "lines[2].value_on", "label": "2行目・起算日", "message": AHEAD.format(day="2026-12-02")},
    ]
    _unchanged(invoice, before)


def test_a_zengin_file_of_today_is_still_imported(client, auth, invoice):
    today = date(2026, 12, 1)
    content = zw.notice_file(
        [{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "booked": today}], booked_from=today, booked_to=today
    )

    response = _api_import(client, auth, "zengin", content)

    assert response.status_code == 201
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


CSV_CASES = {
    "two-amount-columns": (
        "入金日,金額,振込依頼人名,入金額\r\n2026-11-30,44000,ｴﾁｺﾞｹﾝｾﾂ(ｶ,440\r\n",
        [(1, "金額", "1行目（見出し）に「金額」の列が2つあります（2列目と4列目）。1つにしてください。")],
    ),
    "amount-and-its-english-name": (
        "date,amount,payer_kana,金額\r\n2026-11-30,44000,ｴﾁｺﾞｹﾝｾﾂ(ｶ,44000\r\n",
        [(1, "金額", "1行目（見出し）に「金額」の列が2つあります（2列目と4列目）。1つにしてください。")],
    ),
    "quote-never-closed": (
        HEADER + '2026-11-30,"44,000,ｴﾁｺﾞｹﾝｾﾂ(ｶ,,A-1\r\n2026-11-30,1000,ﾔﾏﾀﾞ,,A-2\r\n',
        [(2, '引用符（"）', OPEN_QUOTE.format(line=2))],
    ),
    "quote-closed-lines-later": (
        HEADER
        + "2026-11-30,44000,ｴﾁｺﾞｹﾝｾﾂ(ｶ,,A-1\r\n"
        + '2026-11-30,"1000,ﾔﾏﾀﾞ,,A-2\r\n2026-11-30,2000",ｻﾄｳ,,A-3\r\n'
        + "2026-11-30,3000,ｽｽﾞｷ,,A-4\r\n",
        [(3, '引用符（"）', OPEN_QUOTE.format(line=3))],
    ),
    "stray-quote-inside-a-value": (
        HEADER + '2026-11-30,44000,ｴﾁｺﾞ"ｹﾝｾﾂ,,A-1\r\n',
        [(2, "振込依頼人名", '値に引用符（"）が含まれています。引用符の対応を確認してください。')],
    ),
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_the_desk_refuses_a_csv_with_a_column_twice_or_a_quote_left_open_naming_the_line(
    client, invoice, case
):
    text, problems = CSV_CASES[case]
    before = counts()

    response = _desk_import(client, "csv", text.encode())

    assert response.status_code == 422
    assert [(p.line, str(p.label), p.message) for p in response.context["problems"]] == problems
    _unchanged(invoice, before)


@pytest.mark.parametrize("case", ["two-amount-columns", "quote-never-closed"])
def test_the_api_refuses_the_same_csv_files_with_422(client, auth, invoice, case):
    text, problems = CSV_CASES[case]
    before = counts()

    response = _api_import(client, auth, "csv", text.encode("cp932"))

    assert response.status_code == 422
    assert [(e["label"], e["message"]) for e in response.json()["errors"]] == [
        (f"{line}行目・{label}", message) for line, label, message in problems
    ]
    _unchanged(invoice, before)


# --- the one text cleaner on every value read from a payment file ----------------------------------

CLEANER_CONTROL = (
    "「{label}」の{position}文字目に、使えない制御文字（{code}）があります。"
    "他のソフトからコピーした文字に含まれていることがあります。その文字を消して入力し直してください。"
)
CLEANER_BIDI = (
    "「{label}」の{position}文字目に、文字の表示順を変える制御文字（{code}）があります。"
    "表示と中身が食い違うため使えません。その文字を消して入力し直してください。"
)
ZENGIN_CONTROL = (
    "「{label}」の{position}文字目に、使えない制御文字（{code}）があります。"
    "ファイルが壊れているか、振込入金通知ではありません。銀行から受け取ったままのファイルを取り込んでください。"
)
# A payer name that would pay the invoice, disguised with one character the cleaner refuses.
DISGUISED_PAYERS = {
    "bidi-override": (
        "ｴﾁｺﾞ\u202eｹﾝｾﾂ(ｶ",
        CLEANER_BIDI.format(label="振込依頼人名", position=5, code="U+202E"),
    ),
    "c1-control": ("ｴﾁｺﾞ\x85ｹﾝｾﾂ(ｶ", CLEANER_CONTROL.format(label="振込依頼人名", position=5, code="U+0085")),
    "nul": ("ｴﾁｺﾞｹﾝｾﾂ(ｶ\x00", CLEANER_CONTROL.format(label="振込依頼人名", position=11, code="U+0000")),
}


def _csv_paying(payer: str, *, code: str = "", reference: str = "A-1") -> bytes:
    return (HEADER + f"2026-11-30,44000,{payer},{code},{reference}\r\n").encode()


@pytest.mark.parametrize("case", list(DISGUISED_PAYERS))
def test_the_desk_refuses_a_csv_whose_payer_name_holds_a_refused_character_naming_the_line(
    client, invoice, case
):
    payer, message = DISGUISED_PAYERS[case]
    before = counts()

    response = _desk_import(client, "csv", _csv_paying(payer))

    assert response.status_code == 422
    assert [(p.line, str(p.label), p.message) for p in response.context["problems"]] == [
        (2, "振込依頼人名", message)
    ]
    assert "\u202e" not in response.content.decode()  # the page never echoes the character itself
    _unchanged(invoice, before)


@pytest.mark.parametrize("case", list(DISGUISED_PAYERS))
def test_the_api_refuses_a_csv_whose_payer_name_holds_a_refused_character(client, auth, invoice, case):
    payer, message = DISGUISED_PAYERS[case]
    before = counts()

    response = _api_import(client, auth, "csv", _csv_paying(payer))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lines[2].payer_kana", "label": "2行目・振込依頼人名", "message": message}
    ]
    _unchanged(invoice, before)


def test_the_api_refuses_a_csv_with_control_characters_in_the_code_and_the_reference(client, auth, invoice):
    before = counts()

    response = _api_import(
        client, auth, "csv", _csv_paying("ｴﾁｺﾞｹﾝｾﾂ(ｶ", code="C\x1b1", reference="A\u2066-1")
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "lines[2].payer_code",
            "label": "2行目・依頼人コード・EDI",
            "message": CLEANER_CONTROL.format(label="依頼人コード・EDI", position=2, code="U+001B"),
        },
        {
            "field": "lines[2].reference",
            "label": "2行目・照会番号",
            "message": CLEANER_BIDI.format(label="照会番号", position=2, code="U+2066"),
        },
    ]
    _unchanged(invoice, before)


ZENGIN_WITH_ESCAPE = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞ\x1bｹﾝｾﾂ"}])
ZENGIN_WITH_ESCAPE_PROBLEM = ZENGIN_CONTROL.format(label="振込依頼人名", position=7, code="U+001B")


def test_the_desk_refuses_a_zengin_record_with_a_control_character_naming_the_line(client, invoice):
    before = counts()

    response = _desk_import(client, "zengin", ZENGIN_WITH_ESCAPE)

    assert response.status_code == 422
    assert [(p.line, str(p.label), p.message) for p in response.context["problems"]] == [
        (2, "振込依頼人名", ZENGIN_WITH_ESCAPE_PROBLEM)
    ]
    assert "\x1b" not in response.content.decode()
    _unchanged(invoice, before)


def test_the_api_refuses_a_zengin_file_with_a_control_character_in_the_remitting_bank(client, auth, invoice):
    content = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "remitting_bank": "ﾎｸ\x7fｴﾂ"}])
    before = counts()

    response = _api_import(client, auth, "zengin", content)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "lines[2].remitting_bank_name",
            "label": "2行目・仕向銀行名",
            "message": ZENGIN_CONTROL.format(label="仕向銀行名", position=3, code="U+007F"),
        }
    ]
    _unchanged(invoice, before)


def test_a_shift_jis_csv_with_a_half_width_katakana_payer_is_still_imported(client, invoice):
    content = (HEADER + '2026/11/30,"44,000",ｶ)ｴﾁｺﾞｹﾝｾﾂ,,A-1\r\n').encode("cp932")

    response = _desk_import(client, "csv", content)

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
