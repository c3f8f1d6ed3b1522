"""The billing benchmark works: all three parts run at a tiny size on the test database. No timing is
asserted (that is what ``python -m bench billing`` reports); what is asserted is that the run issued
every draft, the Zengin file was imported and matched, and the sweep suspended what was overdue."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bench.__main__ import _parser
from bench.billing import billing_benchmark, results_text, zengin_name, zengin_transfers
from calsreg.accounts.models import Project, ProjectStatus
from calsreg.billing.models import BillingRun, Invoice, InvoiceStatus, Payment
from calsreg.billing.zengin.names import normalise_payer_name


@pytest.mark.django_db
def test_billing_benchmark_runs_all_three_parts():
    # Files (PDFs, bundle, the imported file) go to the test's own media folder (tests/conftest.py).
    results = billing_benchmark(invoices=3, zengin_records=40, sweep_invoices=60)

    run = BillingRun.objects.get()
    assert run.issued_count == results.run.issued == 3
    assert results.run.bare_renders == 3 and results.run.pdf_bytes_median > 10_000
    assert Invoice.objects.count() == 63
    assert not Invoice.objects.filter(status=InvoiceStatus.DRAFT).exists()
    # Suspended by the sweep, some reinstated again by the Zengin import that followed it.
    assert 1 <= results.sweep.suspended <= results.sweep.overdue_unpaid
    assert Project.objects.filter(status=ProjectStatus.SUSPENDED).count() <= results.sweep.suspended
    zengin = results.zengin
    assert Payment.objects.count() == zengin.records == 40
    assert zengin.matched + zengin.partially_matched + zengin.unmatched == 40
    assert zengin.matched > 0
    text = results_text(results, database="test")
    assert "invoices/s" in text and "suspension sweep" in text


def test_the_bench_writes_payer_names_as_a_bank_does_and_they_normalise_back():
    name = zengin_name("カブシキガイシャ エチゴケンセツ")

    assert name == "ｶ)ｴﾁｺﾞｹﾝｾﾂ"
    assert normalise_payer_name(name) == normalise_payer_name("カブシキガイシャ エチゴケンセツ")


@pytest.mark.django_db
def test_without_open_invoices_every_transfer_is_another_payers():
    transfers = zengin_transfers(random.Random(1), records=5, today=date(2026, 11, 24))

    assert len(transfers) == 5 and all("edi" not in t for t in transfers)


def test_the_command_line_takes_the_billing_sizes():
    args = _parser().parse_args(
        ["billing", "--invoices", "7", "--zengin-records", "8", "--sweep-invoices", "9"]
    )

    assert (args.benchmark, args.invoices, args.zengin_records, args.sweep_invoices) == ("billing", 7, 8, 9)
    assert _parser().parse_args(["billing"]).invoices == 10_000
