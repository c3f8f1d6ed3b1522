"""Every document's text matches its kind, under each regime (decision 0008), read back with pdftotext:
each 適格請求書 / 適格返還請求書 item, the seller's or the agent's name and number as the regime says,
and a credit that never says 請求 nor shows a due date — on the PDF, my page or the desk."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role, User
from calsreg.billing.models import DocumentKind, Invoice, IssuingRegime
from calsreg.billing.pdf import wording
from calsreg.billing.pdf.document import invoice_print_from
from calsreg.billing.pdf.receipt import receipt_pdf_bytes, receipt_print_from
from calsreg.billing.services import billing_run, invoice_reissue, invoice_void
from tests.billing.dunning_helpers import SITE_AGENT_EMAIL, posted_invoice
from tests.billing.invoice_helpers import (
    ACTOR,
    configured,
    drafted,
    jst,
    make_arrangement,
    make_issuer,
    make_seller,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AGENT = "NECキャピタルソリューション株式会社"
AGENT_NUMBER = "T7000012050002"
SELLER = "新潟県CALSシステム運営共同企業体"
SELLER_NUMBER = "T5912345678902"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdftotext(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _file(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _setup(regime: str) -> None:
    # The agent's department says nothing of 請求, so a credit's whole text can be checked for it.
    make_seller()
    make_arrangement(regime)
    make_issuer(department="CALS利用料 窓口")
    configured()


def _issued(regime: str) -> Invoice:
    _setup(regime)
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    invoice.refresh_from_db()
    return invoice


COMMON_ITEMS = [
    "株式会社越後建設",
    "工事部　御中",
    "発行日2026年12月1日（令和8年12月1日）",
    "取引年月日2026年11月10日（令和8年11月10日）（利用開始日）",
    "CALSシステム利用料（月額×工期の月数）",
    "10%対象（税抜）16,000",
    "消費税（10%）1,600",
    "合計（税込）17,600",
    "請求書番号2026-000001",
    "お支払期限2027年2月1日（令和9年2月1日）",
    "工事番号R8-新潟-土木-0123",
    "信濃川護岸設置工事",
    "受注者株式会社越後建設",
    "工期2026年12月1日〜2027年3月19日",
]


@pytest.mark.parametrize(
    ("regime", "qualified", "wording"),
    [
        (
            IssuingRegime.AGENT_DELIVERY,
            [SELLER, f"登録番号：{SELLER_NUMBER}", f"交付・収納代行：{AGENT}"],
            "上記売手の代理として交付しています（代理交付）。",
        ),
        (
            IssuingRegime.INTERMEDIARY,
            [AGENT, f"登録番号：{AGENT_NUMBER}", f"売手：{SELLER}"],
            "媒介者交付特例により、売手に代わり交付しています。",
        ),
    ],
)
def test_the_invoice_carries_every_item_and_the_regimes_issuer_and_wording(
    tmp_path, regime, qualified, wording
):
    invoice = _issued(regime)

    text = _flat(pdftotext(_file(invoice.documents.get(kind=DocumentKind.ORIGINAL)), tmp_path))

    missing = [item for item in [*COMMON_ITEMS, *qualified, wording, "請求書"] if _flat(item) not in text]
    assert not missing, f"{missing}\n{text}"
    other_number = AGENT_NUMBER if regime == IssuingRegime.AGENT_DELIVERY else SELLER_NUMBER
    assert other_number not in text  # only the regime's registration number is printed
    assert "下記のとおりご請求申し上げます。" in text


@pytest.mark.parametrize("regime", list(IssuingRegime))
def test_a_credit_note_says_return_never_request_and_has_no_due_date(tmp_path, regime):
    invoice = _issued(regime)
    with time_machine.travel(jst(2026, 12, 3, 10), tick=False):
        credit = invoice_void(invoice=invoice, reason="宛先誤り", actor=ACTOR)

    text = _flat(pdftotext(_file(credit.documents.get(kind=DocumentKind.ORIGINAL)), tmp_path))

    # 適格返還請求書の記載事項: issuer and number, the day of the return and of the original
    # transaction, what, the amount returned per rate and its tax; the original's number and date.
    shown, number = (
        (SELLER, SELLER_NUMBER) if regime == IssuingRegime.AGENT_DELIVERY else (AGENT, AGENT_NUMBER)
    )
    for item in [
        "返還インボイス（取消）",
        "返還インボイス番号CN2026-000001",
        "下記のインボイスを取り消し、その対価を返還いたします。",
        shown,
        f"登録番号：{number}",
        "返還年月日2026年12月3日（令和8年12月3日）",
        "元の取引年月日2026年11月10日（令和8年11月10日）",
        "取消の対象のインボイス2026-000001（発行日2026年12月1日）",
        "10%対象返還額（税抜）16,000",
        "返還に係る消費税（10%）1,600",
        "返還額合計（税込）17,600",
        "新潟県CALSシステム利用料の返還",
    ]:
        assert _flat(item) in text, f"{item}\n{text}"
    assert "請求" not in text
    assert "支払期限" not in text


def test_a_fee_credits_words_never_say_request():
    # A fee credit's whole journey (a shortened period after issue) is in test_adjustments.py; here,
    # every word the layout picks for its kind.
    doc = invoice_print_from(_issued(IssuingRegime.INTERMEDIARY))
    credit = dataclasses.replace(
        doc, kind="fee_credit", adjusted_number=doc.number, adjusted_issue_date=doc.issue_date
    )

    words = [
        wording.title(credit),
        wording.number_label(credit),
        wording.lead(credit),
        wording.footer(credit),
        wording.reference_label(credit),
        wording.pdf_title(credit),
    ]

    assert [text for text in words if "請求" in text] == []


def test_a_reissue_is_marked_and_otherwise_says_what_the_original_said(tmp_path):
    invoice = _issued(IssuingRegime.AGENT_DELIVERY)
    with time_machine.travel(jst(2027, 1, 12, 10), tick=False):
        document = invoice_reissue(invoice=invoice, reason="紛失のため", actor=ACTOR)

    original = pdftotext(_file(invoice.documents.get(kind=DocumentKind.ORIGINAL)), tmp_path)
    reissued = pdftotext(_file(document), tmp_path)

    assert "再発行" not in original
    assert "再発行日 2027年1月12日（令和9年1月12日）" in reissued
    assert _flat(reissued).replace("再発行日2027年1月12日（令和9年1月12日）", "").replace(
        "再発行", ""
    ) == _flat(original)


@pytest.mark.parametrize("regime", list(IssuingRegime))
def test_the_receipt_names_the_issuer_the_invoice_named(tmp_path, regime):
    invoice = _issued(regime)

    content = receipt_pdf_bytes(
        receipt_print_from(
            invoice=invoice, received=17_600, received_on=date(2027, 1, 20), issued_on=date(2027, 1, 21)
        )
    )

    text = _flat(pdftotext(content, tmp_path))
    assert "領収書" in text
    assert "金額¥17,600-（税込）" in text
    assert "工事R8-新潟-土木-0123信濃川護岸設置工事" in text
    if regime == IssuingRegime.AGENT_DELIVERY:
        assert f"登録番号：{SELLER_NUMBER}" in text and f"受領代行：{AGENT}" in text
    else:
        assert f"登録番号：{AGENT_NUMBER}" in text and SELLER_NUMBER not in text


def _row_of(page: str, number: str) -> str:
    found = re.search(r"<tr>(?:(?!</tr>).)*" + re.escape(number) + r"(?:(?!</tr>).)*</tr>", page, re.S)
    assert found, page
    return found.group(0)


def test_my_page_and_the_desk_show_no_due_date_for_a_credit_note(client):
    _project, invoice = posted_invoice()
    with time_machine.travel(jst(2026, 12, 3, 10), tick=False):
        credit = invoice_void(invoice=invoice, reason="宛先誤り", actor=ACTOR)
    # Even a due date stored by mistake is never shown for a credit.
    Invoice.objects.filter(pk=credit.pk).update(due_on=date(2027, 2, 1))

    client.force_login(User.objects.get(email=SITE_AGENT_EMAIL))
    mypage_row = _row_of(client.get(reverse("portal:mypage")).content.decode(), "CN2026-000001")
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    detail = client.get(reverse("desk:billing_invoice_detail", args=[credit.pk])).content.decode()
    listing_row = _row_of(client.get(reverse("desk:billing_invoices")).content.decode(), "CN2026-000001")

    for shown in (mypage_row, listing_row):
        assert "2027年2月1日" not in shown and "郵送後に確定" not in shown, shown
    assert "CN2026-000001" in detail
    assert "支払期限" not in detail and "2027年2月1日" not in detail
