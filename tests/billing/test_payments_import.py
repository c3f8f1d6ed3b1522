"""Importing Zengin transfer notices and CSV files, and the matching that follows each import."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from calsreg.accounts.models import Project
from calsreg.billing.models import (
    Invoice,
    InvoiceStatus,
    MatchRule,
    Payment,
    PaymentAllocation,
    PaymentImport,
    PaymentStatus,
)
from calsreg.billing.numbering import customer_code_for
from calsreg.billing.payments_selectors import payments_unmatched
from calsreg.billing.services.payments import payments_import_csv, payments_import_zengin
from calsreg.billing.zengin import CsvFileRefused, ZenginFileRefused
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor, sha256_of
from tests.billing import zengin_writer as zw
from tests.billing.invoice_helpers import make_project
from tests.factories import UserFactory

JST = ZoneInfo("Asia/Tokyo")
_numbers = itertools.count(1)

ECHIGO = {"contractor_name": "株式会社越後建設", "contractor_kana": "カブシキガイシャエチゴケンセツ"}
SATO = {"contractor_name": "株式会社佐藤工務店", "contractor_kana": "カブシキガイシャ サトウコウムテン"}
AGANO = {"contractor_name": "阿賀野土木株式会社", "contractor_kana": "アガノドボクカブシキガイシャ"}


@pytest.fixture(autouse=True)
def _in_december_2026():
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=JST), tick=False):
        yield


@pytest.fixture
def agent():
    return Actor.staff(UserFactory(role="billing_agent"))


def make_invoice(
    *,
    total: int,
    company: dict[str, str],
    due_on: date = date(2026, 12, 31),
    status: str = InvoiceStatus.POSTED,
) -> Invoice:
    """A posted invoice of ``total`` yen (tax included) for a new project of ``company``."""
    project: Project = make_project(**company)
    tax = total // 11
    return Invoice.objects.create(
        project=project,
        number=f"2026-{next(_numbers):06d}",
        status=status,
        billing_addressee=company["contractor_name"],
        payer_kana=company["contractor_kana"],
        billing_postcode="950-0088",
        billing_address="新潟県新潟市中央区万代1丁目1番1号",
        customer_code=customer_code_for(project_id=project.pk),
        transaction_date=date(2026, 11, 10),
        run_month=date(2026, 12, 1),
        issue_date=date(2026, 12, 1),
        posted_on=date(2026, 12, 2),
        due_on=due_on,
        subtotal=total - tax,
        tax=tax,
        total=total,
    )


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (PaymentImport, Payment, PaymentAllocation, Evidence, AuditEvent)
    } | {"paid": Invoice.objects.filter(status=InvoiceStatus.PAID).count()}


def allocations_of(payment: Payment) -> list[tuple[str, int, int, str]]:
    return [
        (a.invoice.number, a.amount, a.fee_shortfall, a.rule)
        for a in payment.allocations.select_related("invoice").order_by("invoice__due_on", "id")
    ]


@pytest.mark.django_db
def test_a_days_transfers_are_matched_as_expected(agent):
    # Given: 越後建設 owes two invoices (two projects), 佐藤工務店 one, 阿賀野土木 two.
    echigo_dec = make_invoice(total=44_000, company=ECHIGO, due_on=date(2026, 12, 31))
    echigo_jan = make_invoice(total=22_000, company=ECHIGO, due_on=date(2027, 1, 31))
    sato = make_invoice(total=33_000, company=SATO)
    agano_code = make_invoice(total=44_000, company=AGANO)
    agano_short = make_invoice(total=55_000, company=AGANO, due_on=date(2027, 1, 31))
    fee_short = make_invoice(
        total=66_000, company={"contractor_name": "新潟舗装株式会社", "contractor_kana": "ニイガタホソウ"}
    )
    content = zw.notice_file(
        [
            # one transfer for both of 越後建設's invoices, found by amount + name
            {"amount": 66_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ"},
            # 佐藤工務店 by amount + name, spaces and the ｶ) token in the bank's spelling
            {"amount": 33_000, "name": "ｶ) ｻﾄｳ ｺｳﾑﾃﾝ"},
            # customer code in the numeric payer code
            {"amount": 44_000, "name": "ｱｶﾞﾉﾄﾞﾎﾞｸ(ｶ", "requester_code": f"{agano_code.project_id:010d}"},
            # customer code in EDI, 660 yen short (the payer deducted the bank fee)
            {"amount": 65_340, "name": "ﾆｲｶﾞﾀﾎｿｳ(ｶ", "edi": fee_short.customer_code},
            # invoice number in EDI, 5,000 yen short: a partial payment
            {"amount": 50_000, "name": "ｱｶﾞﾉﾄﾞﾎﾞｸ(ｶ", "edi": agano_short.number},
            # nobody we know
            {"amount": 12_345, "name": "ﾔﾏﾀﾞ ﾀﾛｳ"},
        ]
    )

    result = payments_import_zengin(content=content, filename="nyukin_20261201.txt", actor=agent)

    assert result.created is True
    payment_import = result.payment_import
    assert (payment_import.payment_count, payment_import.total_amount) == (6, 270_685)
    assert (
        payment_import.matched_count,
        payment_import.partially_matched_count,
        payment_import.unmatched_count,
    ) == (5, 0, 1)
    combined, sato_payment, code, fee, partial, unknown = Payment.objects.filter(
        payment_import=payment_import
    ).order_by("line")
    assert allocations_of(combined) == [
        (echigo_dec.number, 44_000, 0, MatchRule.AMOUNT_NAME),
        (echigo_jan.number, 22_000, 0, MatchRule.AMOUNT_NAME),
    ]
    assert combined.payer_kana == "エチゴケンセツ"
    assert allocations_of(sato_payment) == [(sato.number, 33_000, 0, MatchRule.AMOUNT_NAME)]
    assert allocations_of(code) == [(agano_code.number, 44_000, 0, MatchRule.CODE)]
    assert allocations_of(fee) == [(fee_short.number, 66_000, 660, MatchRule.CODE)]
    assert allocations_of(partial) == [(agano_short.number, 50_000, 0, MatchRule.CODE)]
    assert allocations_of(unknown) == []
    assert [p.status for p in (combined, sato_payment, code, fee, partial, unknown)] == [
        PaymentStatus.MATCHED,
        PaymentStatus.MATCHED,
        PaymentStatus.MATCHED,
        PaymentStatus.MATCHED,
        PaymentStatus.MATCHED,
        PaymentStatus.UNMATCHED,
    ]
    assert unknown.match_detail == {"reason": "no_candidate"}
    assert list(payments_unmatched()) == [unknown]
    # Then: every invoice but the partly paid one is settled; the fee shortfall counts as paid.
    statuses = dict(Invoice.objects.values_list("number", "status"))
    assert statuses == {
        echigo_dec.number: InvoiceStatus.PAID,
        echigo_jan.number: InvoiceStatus.PAID,
        sato.number: InvoiceStatus.PAID,
        agano_code.number: InvoiceStatus.PAID,
        fee_short.number: InvoiceStatus.PAID,
        agano_short.number: InvoiceStatus.POSTED,
    }
    assert Invoice.objects.get(pk=fee_short.pk).amount_paid == 66_000
    assert Invoice.objects.get(pk=agano_short.pk).amount_paid == 50_000
    # And the file is kept as evidence with its checksum, and the import and allocations are audited.
    evidence = payment_import.evidence
    assert (evidence.sha256, evidence.size_bytes, evidence.subject_type) == (
        sha256_of(content),
        len(content),
        "paymentimport",
    )
    assert AuditEvent.objects.filter(action="payment_import.imported").count() == 1
    assert AuditEvent.objects.filter(action="payment.allocated").count() == 6
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 5


@pytest.mark.django_db
def test_an_over_payment_leaves_its_surplus_in_the_queue(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    content = zw.notice_file(
        [{"amount": 50_000, "name": "ｴﾁｺﾞｹﾝｾﾂ(ｶ", "edi": invoice.number.replace("-", "")}]
    )

    payment_import = payments_import_zengin(content=content, filename="n.txt", actor=agent).payment_import

    [payment] = payments_unmatched()
    assert payment.payment_import == payment_import
    assert (payment.status, payment.allocated, payment.unallocated) == (
        PaymentStatus.PARTIALLY_MATCHED,
        44_000,
        6_000,
    )
    assert payment.match_detail == {"reason": "overpaid", "surplus": 6_000}
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


@pytest.mark.django_db
def test_a_fee_shortfall_beyond_the_tolerance_by_name_and_amount_is_not_guessed(agent, settings):
    settings.PAYMENT_FEE_TOLERANCE_YEN = 440
    invoice = make_invoice(total=44_000, company=ECHIGO)
    content = zw.notice_file([{"amount": 43_340, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ"}])

    payments_import_zengin(content=content, filename="n.txt", actor=agent)

    [payment] = payments_unmatched()
    assert payment.match_detail == {"reason": "amount_mismatch", "candidates": [invoice.pk]}
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.POSTED


@pytest.mark.django_db
def test_the_same_amount_owed_by_two_companies_with_the_same_kana_is_left_to_the_agent(agent):
    first = make_invoice(
        total=44_000, company={"contractor_name": "山田建設株式会社", "contractor_kana": "ヤマダケンセツ"}
    )
    second = make_invoice(
        total=44_000, company={"contractor_name": "株式会社山田建設", "contractor_kana": "ヤマダケンセツ"}
    )
    content = zw.notice_file([{"amount": 44_000, "name": "ﾔﾏﾀﾞｹﾝｾﾂ(ｶ"}])

    payments_import_zengin(content=content, filename="n.txt", actor=agent)

    [payment] = payments_unmatched()
    assert payment.match_detail == {"reason": "ambiguous", "candidates": [first.pk, second.pk]}


@pytest.mark.django_db
def test_a_code_of_an_invoice_already_paid_is_not_applied_elsewhere(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO, status=InvoiceStatus.PAID)
    make_invoice(total=44_000, company=ECHIGO)  # same payer, same amount: the name rule would take it
    content = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "edi": invoice.number}])

    payments_import_zengin(content=content, filename="n.txt", actor=agent)

    [payment] = payments_unmatched()
    assert payment.match_detail == {
        "reason": "code_not_open",
        "invoice_numbers": [invoice.number.replace("-", "")],
        "customer_codes": [],
    }


@pytest.mark.django_db
def test_a_numeric_payer_code_is_not_taken_for_a_customer_code_when_the_name_disagrees(agent):
    # 阿賀野土木's own code for itself happens to equal the digits of 越後建設's customer code.
    echigo = make_invoice(total=44_000, company=ECHIGO)
    content = zw.notice_file(
        [{"amount": 44_000, "name": "ｱｶﾞﾉﾄﾞﾎﾞｸ(ｶ", "requester_code": f"{echigo.project_id:010d}"}]
    )

    payments_import_zengin(content=content, filename="n.txt", actor=agent)

    [payment] = payments_unmatched()
    assert payment.match_detail == {"reason": "no_candidate"}
    assert Invoice.objects.get(pk=echigo.pk).status == InvoiceStatus.POSTED


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing_and_says_so(agent):
    make_invoice(total=44_000, company=ECHIGO)
    content = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ"}, {"amount": 1_000, "name": "ﾔﾏﾀﾞ"}])
    first = payments_import_zengin(content=content, filename="n.txt", actor=agent)
    before = counts()

    again = payments_import_zengin(content=content, filename="n-copy.txt", actor=agent)

    assert counts() == before
    assert again.created is False
    assert again.payment_import == first.payment_import
    assert (
        again.message == "このファイルは 2026-12-01 10:00 に取込済みです（「n.txt」）。何も変更していません。"
    )


@pytest.mark.django_db
def test_a_file_with_and_a_file_without_line_breaks_import_alike_and_the_second_adds_no_transfer(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    transfers = [{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ"}, {"amount": 1_000, "name": "ﾔﾏﾀﾞ"}]
    with_crlf = zw.notice_file(transfers, separator=b"\r\n")
    without = zw.notice_file(transfers, separator=b"")

    first = payments_import_zengin(content=without, filename="fixed.dat", actor=agent).payment_import
    second = payments_import_zengin(content=with_crlf, filename="lines.txt", actor=agent).payment_import

    assert (first.payment_count, first.matched_count, first.unmatched_count) == (2, 1, 1)
    assert first.statements == [
        {
            "account": "0140-101-1-1234567",
            "account_name": "ｴﾇｲ-ｼ-ｷﾔﾋﾟﾀﾙｿﾘﾕ-ｼﾖﾝｽﾞ(ｶ",
            "booked_from": "2026-11-30",
            "booked_to": "2026-11-30",
            "count": 2,
            "amount": 45_000,
        }
    ]
    # The same transfers in another file (another sha256) are recognised and not counted twice.
    assert (second.payment_count, second.duplicate_count) == (0, 2)
    assert Payment.objects.count() == 2
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 44_000


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        pytest.param(
            [zw.header(), zw.data(amount=500, name="ｱ")[:199], zw.trailer(count=1, total=500), zw.end()],
            [(2, "レコード長")],
            id="wrong-length",
        ),
        pytest.param(
            [zw.header(), b"3" + zw.data(amount=500, name="ｱ")[1:], zw.trailer(count=1, total=500), zw.end()],
            [(2, "データ区分")],
            id="bad-type",
        ),
        pytest.param(
            [zw.header(), zw.data(amount=500, name="ｱ"), zw.trailer(count=2, total=900), zw.end()],
            [(3, "振込合計件数"), (3, "振込合計金額")],
            id="trailer-count-and-sum",
        ),
        pytest.param(
            [zw.header(), zw.data(amount="0000O00500", name="ｱ"), zw.trailer(count=1, total=500), zw.end()],
            [(2, "金額")],
            id="non-digit-amount",
        ),
        pytest.param(
            [
                zw.header(),
                zw.data(amount=500, name="ｱ", booked="080230", value="080230"),
                zw.trailer(count=1, total=500),
                zw.end(),
            ],
            [(2, "勘定日"), (2, "起算日")],
            id="bad-era-date",
        ),
        pytest.param(
            [zw.header(), zw.data(amount=500, name="ｱ"), zw.trailer(count=1, total=500)],
            [(4, "データ区分")],
            id="missing-end",
        ),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_is_refused_whole_with_lines_and_fields_and_nothing_is_saved(
    agent, records, expected
):
    make_invoice(total=500, company=ECHIGO)
    content = zw.join(records)
    before = counts()

    with pytest.raises(ZenginFileRefused) as refused:
        payments_import_zengin(content=content, filename="bad.txt", actor=agent)

    assert [(p.line, p.label) for p in refused.value.problems] == expected
    assert counts() == before


@pytest.mark.django_db
def test_a_refused_file_with_good_transfers_saves_none_of_them(agent):
    make_invoice(total=44_000, company=ECHIGO)
    content = zw.join(
        [
            zw.header(),
            zw.data(amount=44_000, name="ｶ)ｴﾁｺﾞｹﾝｾﾂ", reference=1),
            zw.data(amount="0000001X00", name="ﾔﾏﾀﾞ", reference=2),
            zw.trailer(count=2, total=44_100),
            zw.end(),
        ]
    )
    before = counts()

    with pytest.raises(ZenginFileRefused) as refused:
        payments_import_zengin(content=content, filename="bad.txt", actor=agent)

    assert [(e.field, e.label) for e in refused.value.errors] == [("lines[3].amount", "3行目・金額")]
    assert counts() == before


@pytest.mark.django_db
def test_a_bank_cancellation_is_not_allocated_and_points_at_the_notice_it_cancels(agent):
    make_invoice(total=44_000, company=ECHIGO)
    first = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "reference": 17}])
    payments_import_zengin(content=first, filename="day1.txt", actor=agent)
    original = Payment.objects.get()
    cancellation = zw.join(
        [
            zw.header(booked_from=date(2026, 12, 1), booked_to=date(2026, 12, 1)),
            zw.data(amount=44_000, name="ｶ)ｴﾁｺﾞｹﾝｾﾂ", reference=17, booked=date(2026, 12, 1), cancel="1"),
            zw.trailer(count=0, total=0, cancel_count=1, cancel_total=44_000),
            zw.end(),
        ]
    )

    payments_import_zengin(content=cancellation, filename="day2.txt", actor=agent)

    cancel = Payment.objects.get(is_cancellation=True)
    assert cancel.allocations.count() == 0
    assert cancel.match_detail == {"reason": "cancellation", "original_payment": original.pk}
    assert list(payments_unmatched()) == [cancel]


# --- CSV --------------------------------------------------------------------------------------------

CSV_HEADER = "入金日,金額,振込依頼人名,依頼人コード・EDI,照会番号\r\n"


@pytest.mark.django_db
def test_a_csv_statement_is_imported_and_matched(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    sato = make_invoice(total=33_000, company=SATO)
    content = (
        CSV_HEADER
        + f'2026/11/30,"44,000",ｴﾁｺﾞｹﾝｾﾂ(ｶ,{invoice.customer_code},A-1\r\n'
        + "2026-11-30,３３０００,カ）サトウ　コウムテン,,A-2\r\n"
        + "\r\n"
        + "2026-11-30,1000円,ヤマダ タロウ,,\r\n"
    ).encode("cp932")

    result = payments_import_csv(content=content, filename="statement.csv", actor=agent)

    payment_import = result.payment_import
    assert (payment_import.kind, payment_import.record_count, payment_import.payment_count) == ("csv", 3, 3)
    assert (payment_import.matched_count, payment_import.unmatched_count) == (2, 1)
    first, second, third = Payment.objects.order_by("line")
    assert (first.line, first.received_on, first.amount, first.edi, first.bank_reference) == (
        2,
        date(2026, 11, 30),
        44_000,
        invoice.customer_code,
        "A-1",
    )
    assert allocations_of(first) == [(invoice.number, 44_000, 0, MatchRule.CODE)]
    assert allocations_of(second) == [(sato.number, 33_000, 0, MatchRule.AMOUNT_NAME)]
    assert (third.line, third.status) == (5, PaymentStatus.UNMATCHED)


@pytest.mark.django_db
def test_a_csv_with_bad_rows_is_refused_whole_naming_each_line_and_column(agent):
    content = (
        "date,amount,payer_kana,payer_code,reference\n"
        "2026-11-31,1000,ｱｲｳ,,\n"
        "2026-11-30,-5,ｱｲｳ,,\n"
        "2026-11-30,1000,越後建設,,\n"
        "2026-12-25,1000,ｱｲｳ,,\n"
        "2026-11-30,1000,ｱｲｳ,,R1\n"
        "2026-11-30,2000,ｱｲｳ,,R1\n"
    ).encode()
    before = counts()

    with pytest.raises(CsvFileRefused) as refused:
        payments_import_csv(content=content, filename="typed.csv", actor=agent)

    assert [(p.line, p.label) for p in refused.value.problems] == [
        (2, "入金日"),
        (3, "金額"),
        (4, "振込依頼人名"),
        (5, "入金日"),
        (7, "照会番号"),
    ]
    assert counts() == before


@pytest.mark.django_db
def test_a_csv_without_a_required_column_is_refused_at_its_header(agent):
    content = "入金日,振込依頼人名\n2026-11-30,ｱｲｳ\n".encode()

    with pytest.raises(CsvFileRefused) as refused:
        payments_import_csv(content=content, filename="typed.csv", actor=agent)

    assert [(p.line, p.label) for p in refused.value.problems] == [(1, "金額")]
