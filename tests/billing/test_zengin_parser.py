"""The Zengin transfer-notice reader, against files written by the independent test writer."""

from __future__ import annotations

from datetime import date

import pytest

from calsreg.billing.zengin import ZenginFileRefused, normalise_payer_name, parse_transfer_notice
from calsreg.core.errors import UploadRefused
from tests.billing import zengin_writer as zw

# The day the files are read: the writer's default dates are 2026-11-30 and 2026-12-01.
TODAY = date(2026, 12, 1)


def problems_of(content: bytes) -> list[tuple[int, str]]:
    with pytest.raises(ZenginFileRefused) as refused:
        parse_transfer_notice(content, today=TODAY)
    return [(p.line, p.label) for p in refused.value.problems]


def test_every_field_of_header_and_data_record_is_read_from_its_published_offset():
    content = zw.join(
        [
            zw.header(
                created=date(2026, 12, 1),
                booked_from=date(2026, 11, 27),
                booked_to=date(2026, 11, 30),
                bank_code="0140",
                bank_name="ﾀﾞｲｼ",
                branch_code="101",
                branch_name="ﾎﾝﾃﾝ",
                deposit_type="2",
                account_number="0012345",
                account_name="ｴﾇｲ-ｼ-ｷﾔﾋﾟﾀﾙ",
            ),
            zw.data(
                reference=654321,
                booked=date(2026, 11, 30),
                value=date(2026, 11, 27),
                amount=66000,
                other_bank=1000,
                requester_code="0000000123",
                name="ｶ)ｴﾁｺﾞｹﾝｾﾂ",
                remitting_bank="ﾎｸｴﾂ",
                remitting_branch="ﾊﾞﾝﾀﾞｲ",
                edi="C00000123",
            ),
            zw.trailer(count=1, total=66000),
            zw.end(),
        ]
    )

    notice = parse_transfer_notice(content, today=TODAY)

    assert notice.separator == "crlf"
    assert notice.record_count == 4
    [statement] = notice.statements
    assert (statement.created_on, statement.booked_from, statement.booked_to) == (
        date(2026, 12, 1),
        date(2026, 11, 27),
        date(2026, 11, 30),
    )
    assert (statement.bank_code, statement.bank_name, statement.branch_code, statement.branch_name) == (
        "0140",
        "ﾀﾞｲｼ",
        "101",
        "ﾎﾝﾃﾝ",
    )
    assert (statement.deposit_type, statement.account_number, statement.account_name) == (
        "2",
        "0012345",
        "ｴﾇｲ-ｼ-ｷﾔﾋﾟﾀﾙ",
    )
    assert statement.account_key == "0140-101-2-0012345"
    [record] = statement.transfers
    assert record.line == 2
    assert record.reference == "654321"
    assert record.booked_on == date(2026, 11, 30)
    assert record.value_on == date(2026, 11, 27)
    assert record.amount == 66000
    assert record.other_bank_cheque_amount == 1000
    assert record.requester_code == "0000000123"
    assert record.requester_name == "ｶ)ｴﾁｺﾞｹﾝｾﾂ"
    assert (record.remitting_bank_name, record.remitting_branch_name) == ("ﾎｸｴﾂ", "ﾊﾞﾝﾀﾞｲ")
    assert record.cancelled is False
    assert record.edi == "C00000123"


def test_the_same_file_reads_the_same_with_crlf_lf_or_no_separator_and_with_a_dos_eof_mark():
    transfers = [{"amount": 66000, "name": "ｴﾁｺﾞｹﾝｾﾂ"}, {"amount": 1200, "name": "ｻﾄｳｺｳﾑﾃﾝ"}]
    with_crlf = zw.notice_file(transfers, separator=b"\r\n")
    with_lf = zw.notice_file(transfers, separator=b"\n")
    without = zw.notice_file(transfers, separator=b"")

    read = [
        parse_transfer_notice(content, today=TODAY)
        for content in (with_crlf, with_lf, without, without + b"\x1a")
    ]

    assert [notice.separator for notice in read] == ["crlf", "lf", "none", "none"]
    assert len(without) == 5 * 200
    assert all(notice.statements == read[0].statements for notice in read)
    assert [r.amount for r in read[0].statements[0].transfers] == [66000, 1200]


def test_an_unseparated_file_ending_with_one_line_break_is_read():
    content = zw.notice_file([{"amount": 500, "name": "ｱ"}], separator=b"") + b"\r\n"

    assert parse_transfer_notice(content, today=TODAY).separator == "none"


def test_optional_fields_left_blank_are_read_as_empty():
    content = zw.notice_file([{"amount": 500, "name": "ｱ", "reference": "      ", "requester_code": ""}])

    [record] = parse_transfer_notice(content, today=TODAY).statements[0].transfers

    assert (record.reference, record.requester_code, record.edi) == ("", "", "")


def test_a_record_of_the_wrong_length_is_refused_with_its_line():
    records = [zw.header(), zw.data(amount=500, name="ｱ"), zw.trailer(count=1, total=500), zw.end()]
    records[1] = records[1][:-3]  # 197 bytes

    assert problems_of(zw.join(records)) == [(2, "レコード長")]


def test_a_truncated_unseparated_file_is_refused_at_its_short_last_record():
    content = zw.notice_file([{"amount": 500, "name": "ｱ"}], separator=b"")[:-50]

    assert problems_of(content) == [(4, "レコード長")]


def test_bytes_after_the_end_record_are_refused():
    content = zw.notice_file([{"amount": 500, "name": "ｱ"}], separator=b"") + b"9"

    assert problems_of(content) == [(5, "データ区分")]


def test_an_unknown_record_type_is_refused():
    records = [zw.header(), zw.data(amount=500, name="ｱ"), zw.trailer(count=1, total=500), zw.end()]
    records.insert(2, b"5" + records[1][1:])

    with pytest.raises(ZenginFileRefused) as refused:
        parse_transfer_notice(zw.join(records), today=TODAY)

    [problem] = refused.value.problems
    assert (problem.line, problem.field, problem.label) == (3, "record_type", "データ区分")
    assert "「5」" in problem.message
    assert refused.value.errors[0].field == "lines[3].record_type"
    assert refused.value.errors[0].label == "3行目・データ区分"


def test_a_non_digit_amount_and_a_bad_era_date_are_each_refused_with_line_and_field():
    content = zw.join(
        [
            zw.header(),
            zw.data(amount="00012A4500", name="ｱ", reference=1),
            zw.data(amount=700, name="ｲ", reference=2, booked="081332", value=date(2026, 11, 30)),
            zw.data(amount=800, name="ｳ", reference=3, value="000101"),
            zw.trailer(count=3, total=2000),
            zw.end(),
        ]
    )

    # The trailer's sum is not compared: an amount could not be read, so the sum would mislead.
    assert problems_of(content) == [(2, "金額"), (3, "勘定日"), (4, "起算日")]


def test_a_date_before_reiwa_began_is_refused():
    content = zw.notice_file([{"amount": 500, "name": "ｱ", "booked": "010430", "value": date(2019, 5, 7)}])

    assert problems_of(content) == [(2, "勘定日")]


def test_trailer_count_and_sum_mismatches_are_refused():
    content = zw.join(
        [
            zw.header(),
            zw.data(amount=500, name="ｱ", reference=1),
            zw.data(amount=700, name="ｲ", reference=2),
            zw.trailer(count=3, total=1300),
            zw.end(),
        ]
    )

    with pytest.raises(ZenginFileRefused) as refused:
        parse_transfer_notice(content, today=TODAY)

    assert [(p.line, p.label) for p in refused.value.problems] == [(4, "振込合計件数"), (4, "振込合計金額")]
    assert refused.value.problems[0].message == "振込合計件数が3件ですが、データ・レコードは2件です。"
    assert refused.value.problems[1].message == (
        "振込合計金額が1,300円ですが、データ・レコードの金額の合計は1,200円です。"
    )


def test_a_file_without_end_record_is_refused_at_the_line_after_the_last():
    records = [zw.header(), zw.data(amount=500, name="ｱ"), zw.trailer(count=1, total=500)]

    assert problems_of(zw.join(records)) == [(4, "データ区分")]


def test_a_missing_trailer_and_records_after_the_end_are_refused():
    records = [zw.header(), zw.data(amount=500, name="ｱ"), zw.end(), zw.end()]

    assert problems_of(zw.join(records)) == [(3, "データ区分"), (4, "データ区分")]


def test_data_before_any_header_is_refused():
    records = [zw.data(amount=500, name="ｱ"), zw.trailer(count=1, total=500), zw.end()]

    assert problems_of(zw.join(records)) == [(1, "データ区分")]


def test_a_file_of_another_kind_is_refused_by_its_kind_code():
    content = zw.notice_file([{"amount": 500, "name": "ｱ"}], kind_code="03")

    assert problems_of(content) == [(1, "種別コード")]


def test_full_width_characters_in_a_text_field_are_refused():
    record = bytearray(zw.data(amount=500, name="ｱ"))
    record[49:53] = "越後".encode("cp932")  # 振込依頼人名 starts at byte 50
    content = zw.join([zw.header(), bytes(record), zw.trailer(count=1, total=500), zw.end()])

    assert problems_of(content) == [(2, "振込依頼人名")]


def test_a_duplicated_reference_number_is_refused():
    content = zw.join(
        [
            zw.header(),
            zw.data(amount=500, name="ｱ", reference=7),
            zw.data(amount=600, name="ｲ", reference=7),
            zw.trailer(count=2, total=1100),
            zw.end(),
        ]
    )

    assert problems_of(content) == [(3, "照会番号")]


def test_every_problem_of_a_file_is_listed_not_only_the_first():
    content = zw.join(
        [
            zw.header(),
            zw.data(amount="ABCDEFGHIJ", name="ｱ", reference=1),
            zw.data(amount=600, name="ｲ", reference=2)[:150],
            zw.data(amount=700, name="ｳ", reference=3, cancel="7"),
            zw.trailer(count=3, total=1800),
        ]
    )

    assert problems_of(content) == [(2, "金額"), (3, "レコード長"), (4, "取消区分"), (6, "データ区分")]


def test_cancellation_records_are_counted_in_the_trailers_cancellation_totals():
    content = zw.join(
        [
            zw.header(),
            zw.data(amount=500, name="ｱ", reference=1),
            zw.data(amount=900, name="ｲ", reference=2, cancel="1"),
            zw.trailer(count=1, total=500, cancel_count=1, cancel_total=900),
            zw.end(),
        ]
    )

    [statement] = parse_transfer_notice(content, today=TODAY).statements

    assert [(r.amount, r.cancelled) for r in statement.transfers] == [(500, False), (900, True)]


def test_several_accounts_in_one_file_each_have_their_trailer_checked():
    content = zw.join(
        [
            zw.header(account_number="1111111"),
            zw.data(amount=500, name="ｱ", reference=1),
            zw.trailer(count=1, total=500),
            zw.header(account_number="2222222"),
            zw.data(amount=600, name="ｲ", reference=1),
            zw.trailer(count=1, total=999),
            zw.end(),
        ]
    )

    assert problems_of(content) == [(6, "振込合計金額")]


def test_an_empty_file_is_refused_as_not_a_transfer_notice():
    with pytest.raises(UploadRefused):
        parse_transfer_notice(b"\r\n", today=TODAY)


@pytest.mark.parametrize(
    ("bank_name", "contractor_kana", "key"),
    [
        ("ｶ) ｴﾁｺﾞ ｹﾝｾﾂ", "カブシキガイシャ エチゴケンセツ", "エチゴケンセツ"),
        ("ｴﾁｺﾞｹﾝｾﾂ(ｶ", "エチゴケンセツカブシキガイシャ", "エチゴケンセツ"),
        ("ﾕ)ｻﾄｳｺｳﾑﾃﾝ", "ユウゲンガイシャ　サトウコウムテン", "サトウコウムテン"),
        ("ｷﾔﾉﾝｹﾝｾﾂ(ｶ)", "キャノンケンセツ", "キヤノンケンセツ"),
        ("ｽ-ﾊﾟ-ｹﾝｾﾂ", "スーパーケンセツ", "スーパーケンセツ"),
    ],
)
def test_bank_and_application_spellings_of_a_payer_normalise_to_the_same_key(bank_name, contractor_kana, key):
    assert normalise_payer_name(bank_name) == key
    assert normalise_payer_name(contractor_kana) == key
