"""Refused imports: every problem named by row and field, and nothing at all saved."""

from __future__ import annotations

import pytest

from calsreg.directory.import_report import ChangeCounts, RowError
from calsreg.directory.services import directory_import_csv
from calsreg.records.services import Actor
from tests.directory.factories import csv_bytes, record_counts, row, two_offices

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")


@pytest.fixture
def existing_directory():
    """A directory already imported, so a refused file must also leave existing records alone."""
    directory_import_csv(content=csv_bytes(two_offices()), actor=ACTOR)


def _import_refused(content: bytes) -> list[RowError]:
    before = record_counts()
    report = directory_import_csv(content=content, actor=ACTOR)
    assert report.saved is False
    assert report.supervisors == ChangeCounts()
    assert record_counts() == before
    return report.errors


@pytest.mark.parametrize(
    ("overrides", "column", "label", "message"),
    [
        ({"name": ""}, "name", "氏名", "「氏名」が空欄です。入力してください。"),
        ({"name": "\u3000 "}, "name", "氏名", "「氏名」が空欄です。入力してください。"),
        (
            {"organisation_code": ""},
            "organisation_code",
            "機関コード",
            "「機関コード」が空欄です。入力してください。",
        ),
        (
            {"kana": "山田　直樹"},
            "kana",
            "氏名フリガナ",
            "「氏名フリガナ」は全角カタカナで入力してください（例: サトウ　ケンジ）。",
        ),
        (
            {"email": "yamada.n@"},
            "email",
            "メールアドレス",
            "「メールアドレス」の形式が正しくありません。半角で name@example.jp の形に入力してください。",
        ),
        (
            {"phone": "025-280"},
            "phone",
            "電話番号",
            "「電話番号」は市外局番から半角数字で入力してください（例: 025-285-5511）。",
        ),
        (
            {"office_phone": "内線1234"},
            "office_phone",
            "事務所電話番号",
            "「事務所電話番号」に文字が含まれています。電話番号は数字とハイフンだけで入力してください"
            "（例: 025-285-5511）。",
        ),
        (
            {"office_postcode": "95009"},
            "office_postcode",
            "事務所郵便番号",
            "「事務所郵便番号」は7桁の半角数字で入力してください（例: 950-8570）。",
        ),
        (
            {"title": "課長"},
            "title",
            "役職",
            "「役職」は「総括監督員」「主任監督員」「監督員」のいずれかを入力してください。",
        ),
        ({"active": "はい"}, "active", "有効", "「有効」は 1（有効）または 0（無効）を入力してください。"),
        (
            {"code": "職員1"},
            "code",
            "職員コード",
            "「職員コード」は半角の英数字・ハイフン・アンダースコアで入力してください（例: 1501）。",
        ),
        (
            {"name": "山" * 61},
            "name",
            "氏名",
            "「氏名」は60文字以内で入力してください（今は61文字です）。",
        ),
        (
            {"office_address": "新潟市中央区\n新光町4-1"},
            "office_address",
            "事務所住所",
            "「事務所住所」の7文字目に改行があります。改行を消して1行で入力してください。",
        ),
        (
            {"name": "山田\u202e直樹"},
            "name",
            "氏名",
            "「氏名」の3文字目に、文字の表示順を変える制御文字（U+202E）があります。"
            "表示と中身が食い違うため使えません。その文字を消して入力し直してください。",
        ),
        (
            {"code": "15\x0001"},
            "code",
            "職員コード",
            "「職員コード」の3文字目に、使えない制御文字（U+0000）があります。"
            "他のソフトからコピーした文字に含まれていることがあります。その文字を消して入力し直してください。",
        ),
        (
            {"phone": "0254-ab-cdef"},
            "phone",
            "電話番号",
            "「電話番号」に文字が含まれています。電話番号は数字とハイフンだけで入力してください（例: 025-285-5511）。",
        ),
        (
            {"name": '=HYPERLINK("http://evil.example","x")'},
            "name",
            "氏名",
            "「氏名」の先頭に「=」「+」「-」「@」は使えません（Excelで数式として扱われるため）。先頭の記号を削除してください。",
        ),
    ],
)
def test_a_bad_row_is_reported_by_row_and_field_and_nothing_is_saved(
    existing_directory, overrides, column, label, message
):
    # A valid row that would change a supervisor comes first: it must not be saved either.
    rows = [*two_offices(), row(**({"code": "150309"} | overrides))]
    rows[0]["phone"] = "025-280-8188"

    errors = _import_refused(csv_bytes(rows))

    assert errors == [RowError(row=5, column=column, label=label, message=message)]
    assert str(errors[0]) == f"5行目「{label}」: {message}"


def test_every_problem_of_every_row_is_reported():
    rows = [row(kana="やまだ1", phone="x"), row(code="150302", title="係長", email="bad")]

    errors = _import_refused(csv_bytes(rows))

    assert [(e.row, e.column) for e in errors] == [(2, "kana"), (2, "phone"), (3, "title"), (3, "email")]


def test_duplicate_supervisor_code_names_the_first_row():
    errors = _import_refused(csv_bytes([row(), row(name="山田　花子"), row(code="150302")]))

    assert errors == [
        RowError(
            row=3,
            column="code",
            label="職員コード",
            message="職員コード 150301 は2行目と重複しています。1人につき1行にしてください。",
        )
    ]


def test_office_described_differently_on_two_rows_is_refused():
    rows = [row(), row(code="150302", office_name="新潟地域振興局地域整備部", office_phone="")]

    errors = _import_refused(csv_bytes(rows))

    assert errors == [
        RowError(
            row=3,
            column="office_name",
            label="事務所名",
            message="事務所コード 1503 の「事務所名」が2行目（新潟地域振興局 地域整備部）と違います。"
            "同じ事務所コードの行はすべて同じ内容にしてください。",
        ),
        RowError(
            row=3,
            column="office_phone",
            label="事務所電話番号",
            message="事務所コード 1503 の「事務所電話番号」が2行目（025-280-5311）と違います。"
            "同じ事務所コードの行はすべて同じ内容にしてください。",
        ),
    ]


def test_organisation_named_differently_on_two_rows_is_refused():
    rows = [
        row(),
        row(
            code="150302",
            office_code="1504",
            office_name="三条地域振興局 地域整備部",
            organisation_name="新潟",
        ),
    ]

    errors = _import_refused(csv_bytes(rows))

    assert errors == [
        RowError(
            row=3,
            column="organisation_name",
            label="発注機関名",
            message="機関コード 15 の「発注機関名」が2行目（新潟県）と違います。"
            "同じ機関コードの行はすべて同じ内容にしてください。",
        )
    ]


def test_one_office_name_for_two_office_codes_is_refused():
    errors = _import_refused(csv_bytes([row(), row(code="150302", office_code="1504")]))

    assert errors == [
        RowError(
            row=3,
            column="office_name",
            label="事務所名",
            message="事務所名 新潟地域振興局 地域整備部 は2行目で別の事務所コード 1503 に使われています。"
            "事務所ごとに違う名前にしてください。",
        )
    ]


def test_office_name_of_another_registered_office_is_refused(existing_directory):
    rows = [row(office_code="1599", code="159901")]

    errors = _import_refused(csv_bytes(rows))

    assert errors == [
        RowError(
            row=2,
            column="office_name",
            label="事務所名",
            message="事務所名 新潟地域振興局 地域整備部 は登録済みの別の事務所（事務所コード 1503）の名前です。"
            "同じ事務所なら事務所コードを 1503 にしてください。",
        )
    ]


def test_swapping_two_office_names_asks_for_two_imports(existing_directory):
    rows = two_offices()
    rows[0]["office_name"] = rows[1]["office_name"] = "長岡地域振興局 地域整備部"
    rows[2]["office_name"] = "新潟地域振興局 地域整備部"

    errors = _import_refused(csv_bytes(rows))

    assert [(e.row, e.column) for e in errors] == [(2, "office_name"), (4, "office_name")]
    assert errors[0].message == (
        "事務所名 長岡地域振興局 地域整備部 は今は事務所コード 1505 の名前です。名前を入れ替える場合は、"
        "先に 1505 の事務所名だけを変えて取り込んでから、もう一度取り込んでください。"
    )


def test_missing_columns_are_named():
    content = (
        csv_bytes([row()])
        .replace(",有効\r\n".encode(), b"\r\n", 1)
        .replace(",メールアドレス".encode(), b"", 1)
    )

    errors = _import_refused(content)

    assert errors == [
        RowError(
            row=0,
            column="",
            label="",
            message="見出し行に「メールアドレス」「有効」の列がありません。1行目は書き出したCSVと同じ見出しにしてください。",
        )
    ]


def test_values_beyond_the_last_header_are_refused():
    content = csv_bytes([row()]).rstrip(b"\r\n") + "，メモ\r\n".replace("，", ",").encode()

    errors = _import_refused(content)

    assert errors == [
        RowError(
            row=2,
            column="",
            label="",
            message="見出しのない列に値があります。表の右側の不要な値を削除してください。",
        )
    ]
    assert str(errors[0]) == "2行目: 見出しのない列に値があります。表の右側の不要な値を削除してください。"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "ファイルが空です。1行目に見出し、2行目から監督員を1人1行で入力してください。"),
        (
            "機関コード\r\n".encode("utf-16"),
            "このファイルは「Unicode テキスト」形式です。Excelで「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。",
        ),
        (
            b"\x81\x20\xff",
            "ファイルの文字コードを読み取れません。Excelで「CSV UTF-8（コンマ区切り）」または"
            "「CSV（コンマ区切り）」を選んで保存し直してください。",
        ),
    ],
)
def test_unreadable_file_is_refused_with_what_to_do(content, message):
    errors = _import_refused(content)

    assert errors == [RowError(row=0, column="", label="", message=message)]


def test_header_only_file_is_refused():
    errors = _import_refused(csv_bytes([]))

    assert [e.message for e in errors] == [
        "監督員の行がありません。2行目から監督員を1人1行で入力してください。"
    ]


def test_report_lines_say_nothing_was_saved():
    report = directory_import_csv(content=csv_bytes([row(title="")]), actor=ACTOR)

    assert report.lines() == [
        "エラーが1件あるため、何も登録していません。修正して取り込み直してください。",
        "2行目「役職」: 「役職」が空欄です。入力してください。",
    ]
