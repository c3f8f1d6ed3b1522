"""The invoice PDF read back: every qualified-invoice item with the right figures, the font embedded."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from calsreg.billing.models import DocumentKind, FeePlanKind, Invoice
from calsreg.billing.services import billing_run, invoice_reissue, invoice_void
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst


def _text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _issued(**plan) -> Invoice:
    configured(**plan)
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    invoice.refresh_from_db()
    return invoice


def _original_pdf(invoice: Invoice) -> bytes:
    document = invoice.documents.get(kind=DocumentKind.ORIGINAL)
    with document.file.open("rb") as handle:
        return handle.read()


# Per batch of invoices (1, 2, 4 … then 50, runs.ISSUE_BATCH_SIZES), whatever its size: lock and load
# them, their lines, their block of numbers (one UPDATE … RETURNING), their updates, their PDFs' rows,
# their audit rows, the run's progress and heartbeat, and the transaction's two savepoint statements
# (SQLite; on PostgreSQL the same count).
PER_BATCH_STATEMENTS = 9

QUALIFIED_ITEMS = [
    "請求書",
    # issuer's name and registration number
    "NECキャピタルソリューション株式会社",
    "登録番号：T7000012050002",
    # recipient's name
    "株式会社越後建設",
    "工事部　御中",
    # transaction date, Western and era
    "取引年月日",
    "2026年11月10日（令和8年11月10日）",
    # description, amounts per tax rate with the rate, tax per rate, total
    "CALSシステム利用料（月額×工期の月数）",
    "10%対象（税抜）16,000",
    "消費税（10%）1,600",
    "合計（税込）17,600",
    "￥17,600－",
    # number, issue date and due date (era too)
    "2026-000001",
    "発行日2026年12月1日（令和8年12月1日）",
    "お支払期限2027年2月1日（令和9年2月1日）",
    # where to pay and the code to quote
    "サンプル銀行本店営業部普通1234567",
    "エヌイーシーキヤピタルソリユーシヨン（カ",
]


@pytest.mark.django_db
def test_the_invoice_pdf_contains_every_qualified_invoice_item():
    invoice = _issued()
    text = _flat(_text_of(_original_pdf(invoice)))

    missing = [item for item in QUALIFIED_ITEMS if _flat(item) not in text]
    assert not missing, f"not in the PDF: {missing}\n{text}"
    assert invoice.customer_code in text
    assert f"お客様番号「{invoice.customer_code}」" in text
    assert "信濃川護岸設置工事" in text


@pytest.mark.django_db
def test_the_pdf_line_shows_quantity_unit_price_and_amount():
    invoice = _issued()
    text = _text_of(_original_pdf(invoice))

    assert re.search(r"4\s*か月\s*4,000\s*16,000\s*10%", text), text


@pytest.mark.django_db
def test_the_japanese_font_is_embedded():
    invoice = _issued()
    reader = PdfReader(io.BytesIO(_original_pdf(invoice)))

    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [
        fonts[name].get_object()["/FontDescriptor"]
        for name in fonts
        if "/FontDescriptor" in fonts[name].get_object()
    ]
    assert descriptors, "no TrueType font found"
    assert all("/FontFile2" in descriptor.get_object() for descriptor in descriptors)
    assert any("IPAexGothic" in str(descriptor.get_object()["/FontName"]) for descriptor in descriptors)


@pytest.mark.django_db
def test_the_stored_pdf_matches_its_checksum():
    import hashlib

    invoice = _issued()
    document = invoice.documents.get(kind=DocumentKind.ORIGINAL)

    content = _original_pdf(invoice)
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.size_bytes == len(content)


@pytest.mark.django_db
def test_tax_per_rate_is_printed_once_for_several_lines():
    invoice = _issued(kind=FeePlanKind.INITIAL_PLUS_MONTHLY, initial_fee=1_005, monthly_fee=335)
    text = _flat(_text_of(_original_pdf(invoice)))

    # 1,005 + 3 × 335 = 2,010 → tax 201 (per line it would be 100 + 100 = 200)
    assert "10%対象（税抜）2,010" in text
    assert "消費税（10%）201" in text
    assert "合計（税込）2,211" in text


@pytest.mark.django_db
def test_a_reissued_copy_is_marked_and_keeps_the_number_and_figures():
    invoice = _issued()

    with time_machine.travel(jst(2027, 1, 12, 10), tick=False):
        document = invoice_reissue(invoice=invoice, reason="紛失のため", actor=ACTOR)

    with document.file.open("rb") as handle:
        text = _flat(_text_of(handle.read()))
    assert "再発行" in text
    assert "再発行日2027年1月12日（令和9年1月12日）" in text
    assert "2026-000001" in text
    assert "合計（税込）17,600" in text
    assert "再発行" not in _flat(_text_of(_original_pdf(invoice)))


@pytest.mark.django_db
def test_the_credit_note_pdf_names_the_cancelled_invoice_and_the_amounts_returned():
    invoice = _issued()

    with time_machine.travel(jst(2026, 12, 3, 10), tick=False):
        credit = invoice_void(invoice=invoice, reason="宛先誤り", actor=ACTOR)

    text = _flat(_text_of(_original_pdf(credit)))
    assert "返還インボイス（取消）" in text
    assert "返還インボイス番号CN2026-000001" in text
    assert "2026-000001（発行日2026年12月1日）" in text
    assert "返還に係る消費税（10%）1,600" in text
    assert "返還額合計（税込）17,600" in text
    assert "登録番号：T7000012050002" in text


@pytest.mark.django_db
def test_the_print_bundle_has_one_page_per_invoice_in_number_order():
    configured()
    for day in (3, 4, 5):
        drafted(started_at=jst(2026, 11, day))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)

    with run.bundle_pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 3
    numbers = [re.search(r"2026-\d{6}", page.extract_text()).group(0) for page in reader.pages]
    assert numbers == ["2026-000001", "2026-000002", "2026-000003"]


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_reads_the_same_items(tmp_path):
    invoice = _issued()
    path = tmp_path / "invoice.pdf"
    path.write_bytes(_original_pdf(invoice))

    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)

    text = _flat(out.stdout)
    missing = [item for item in QUALIFIED_ITEMS if _flat(item) not in text]
    assert not missing, f"pdftotext missed: {missing}\n{out.stdout}"


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_page_one_renders_to_png(tmp_path):
    invoice = _issued()
    path = tmp_path / "invoice.pdf"
    path.write_bytes(_original_pdf(invoice))

    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True
    )

    [png] = list(tmp_path.glob("page*.png"))
    assert png.read_bytes().startswith(b"\x89PNG")
    assert png.stat().st_size > 20_000  # a page of text, not a blank


@pytest.mark.django_db
def test_the_print_bundle_has_exactly_the_invoices_pages_in_number_order_with_the_same_text():
    configured()
    for day in (10, 3, 7):
        drafted(started_at=jst(2026, 11, day), project_name=f"信濃川護岸設置工事（{day}工区）")
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)

    with run.bundle_pdf.open("rb") as handle:
        bundle = PdfReader(io.BytesIO(handle.read()))
    invoices = list(Invoice.objects.filter(billing_run=run).order_by("number"))
    originals = [PdfReader(io.BytesIO(_original_pdf(invoice))).pages[0] for invoice in invoices]
    assert [invoice.number for invoice in invoices] == ["2026-000001", "2026-000002", "2026-000003"]
    assert len(bundle.pages) == 3
    assert [page.extract_text() for page in bundle.pages] == [page.extract_text() for page in originals]
    for page, invoice in zip(bundle.pages, invoices, strict=True):
        assert invoice.number in page.extract_text()
        assert invoice.customer_code in page.extract_text()
    # The bundle's pages are the originals' drawing, copied byte for byte.
    assert [page.get_contents().get_data() for page in bundle.pages] == [
        page.get_contents().get_data() for page in originals
    ]
    assert bundle.metadata.title == "請求書 2026年12月分 一括印刷"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
@pytest.mark.django_db
def test_pdftotext_reads_every_page_of_the_print_bundle(tmp_path):
    configured()
    for day in (3, 7):
        drafted(started_at=jst(2026, 11, day))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    path = tmp_path / "bundle.pdf"
    with run.bundle_pdf.open("rb") as handle:
        path.write_bytes(handle.read())

    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout.split("\f")

    assert [page for page in pages if page.strip()] == pages[:2]
    assert "2026-000001" in pages[0] and "2026-000002" in pages[1]
    assert all("ご請求金額" in page for page in pages[:2])


def _queries_of_a_run_over(drafts: int, *, first_day: int) -> int:
    for minute in range(drafts):
        drafted(started_at=jst(2026, 11, first_day) + timedelta(minutes=minute))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False), CaptureQueriesContext(connection) as queries:
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    assert run.issued_count == drafts
    return len(queries)


@pytest.mark.django_db
def test_the_billing_run_costs_the_same_statements_for_every_batch_of_invoices():
    configured()
    _queries_of_a_run_over(1, first_day=1)  # the year's first number creates its counter row
    three = _queries_of_a_run_over(3, first_day=2)  # batches of 1 and 2

    seven = _queries_of_a_run_over(7, first_day=3)  # batches of 1, 2 and 4
    fifteen = _queries_of_a_run_over(15, first_day=4)  # batches of 1, 2, 4 and 8

    # The run's fixed statements are the same each time: one more batch, one batch's statements,
    # however many invoices it holds (4 or 8).
    assert (seven - three, fifteen - seven) == (PER_BATCH_STATEMENTS, PER_BATCH_STATEMENTS), (
        three,
        seven,
        fifteen,
    )
