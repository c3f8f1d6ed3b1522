"""A document is frozen at issue: a reissue made after the project, the issuer and the regime changed
says, page by page, exactly what the original said — except the 再発行 mark."""

from __future__ import annotations

import importlib
import re
import subprocess
from datetime import date

import pytest
import time_machine
from django.apps import apps as django_apps

from calsreg.accounts.models import Project
from calsreg.billing.models import DocumentKind, Invoice, Issuer, IssuingArrangement, IssuingRegime, Seller
from calsreg.billing.services import billing_run, invoice_reissue
from calsreg.directory.models import OrdererOffice
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

REISSUE_MARKS = ("再発行日 2027年1月12日（令和9年1月12日）", "再発行")


def _pages(content: bytes, tmp_path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def _unmarked(page: str) -> list[str]:
    """The page's lines without the 再発行 mark; runs of spaces made one (``-layout`` pads columns
    by where the stamp sits on the line)."""
    for mark in REISSUE_MARKS:
        page = page.replace(mark, "")
    return [re.sub(r"\s+", " ", line.strip()) for line in page.splitlines() if line.strip()]


def test_a_reissue_after_the_project_and_issuer_changed_equals_the_original_page_by_page(tmp_path):
    configured()
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    invoice.refresh_from_db()
    original = invoice.documents.get(kind=DocumentKind.ORIGINAL)
    # After issue: the period is extended, the project renamed and moved to another office; the
    # agent moves, and the regime becomes 代理交付.
    Project.objects.filter(pk=invoice.project_id).update(
        period_end=date(2027, 6, 30),
        name="信濃川護岸設置工事（その2）",
        office=OfficeFactory(name="長岡地域振興局"),
    )
    Issuer.objects.update(address="東京都千代田区丸の内一丁目1番1号", phone="03-9999-9999")
    Seller.objects.update(name="別の運営会社")
    IssuingArrangement.objects.update(regime=IssuingRegime.AGENT_DELIVERY, seller_notified_on=None)

    with time_machine.travel(jst(2027, 1, 12, 10), tick=False):
        reissue = invoice_reissue(invoice=invoice, reason="紛失のため", actor=ACTOR)

    with original.file.open("rb") as handle:
        original_pages = _pages(handle.read(), tmp_path, "original.pdf")
    with reissue.file.open("rb") as handle:
        reissued_pages = _pages(handle.read(), tmp_path, "reissue.pdf")
    assert len(reissued_pages) == len(original_pages) == 1
    for before, after in zip(original_pages, reissued_pages, strict=True):
        assert "再発行" not in before and "再発行" in after
        assert _unmarked(after) == _unmarked(before)
    text = original_pages[0]
    assert "2026年12月1日〜2027年3月19日" in text and "信濃川護岸設置工事" in text
    assert "2027年6月30日" not in text and "その2" not in text and "長岡地域振興局" not in text
    assert OrdererOffice.objects.filter(name="長岡地域振興局").count() == 1


def test_invoices_issued_before_the_snapshot_get_one_from_their_columns_and_the_project_as_it_is():
    migration = importlib.import_module("calsreg.billing.migrations.0009_issuer_regimes_document_snapshot")
    configured()
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    frozen = Invoice.objects.get(pk=invoice.pk).document_snapshot
    # As before the snapshot existed: nothing kept but the invoice's own columns.
    Invoice.objects.filter(pk=invoice.pk).update(document_snapshot={})

    migration.snapshot_issued(django_apps, None)

    rebuilt = Invoice.objects.get(pk=invoice.pk).document_snapshot
    assert rebuilt == {**frozen, "seller": {}}
    assert rebuilt["regime"] == IssuingRegime.INTERMEDIARY
    assert Invoice.objects.filter(document_snapshot={}).exclude(status="draft").count() == 0
