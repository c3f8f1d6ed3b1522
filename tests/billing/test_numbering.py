"""Invoice numbers: sequential per year without gaps, also when an invoice fails or runs overlap."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, transaction

from calsreg.billing.models import BillingRun, BillingRunStatus, Invoice, InvoiceStatus
from calsreg.billing.numbering import customer_code_for, invoice_number_next
from calsreg.billing.services import billing_run, runs
from calsreg.core.errors import Conflict
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst, standard_tax_rate


def _run(day: date) -> BillingRun:
    with time_machine.travel(jst(day.year, day.month, day.day, 9), tick=False):
        return billing_run(run_month=day, actor=ACTOR)


@pytest.mark.django_db
def test_numbers_continue_across_runs_and_restart_each_year():
    configured()
    drafted(started_at=jst(2026, 11, 2))
    drafted(started_at=jst(2026, 11, 3))
    _run(date(2026, 12, 1))
    drafted(started_at=jst(2026, 11, 5))  # drafted after the first run, still due in December
    _run(date(2026, 12, 28))  # a second December run
    drafted(started_at=jst(2026, 12, 10))
    _run(date(2027, 1, 5))

    numbers = list(Invoice.objects.order_by("issued_at", "number").values_list("number", flat=True))
    assert numbers == ["2026-000001", "2026-000002", "2026-000003", "2027-000001"]


@pytest.mark.django_db
def test_a_failed_invoice_gives_its_number_back(monkeypatch):
    configured()
    first, second, third = (drafted(started_at=jst(2026, 11, day)) for day in (2, 3, 4))
    real_store = runs.invoice_document_store

    def failing_store(*, invoice, **kwargs):
        if invoice.pk == second.pk:
            raise RuntimeError("printer font missing")
        return real_store(invoice=invoice, **kwargs)

    monkeypatch.setattr(runs, "invoice_document_store", failing_store)

    run = _run(date(2026, 12, 1))

    assert (run.status, run.issued_count, run.skipped_count, run.done, run.total) == (
        BillingRunStatus.FAILED,
        2,
        0,
        3,
        3,
    )
    assert f"invoice {second.pk}: RuntimeError: printer font missing" in run.error
    second.refresh_from_db()
    assert (second.status, second.number) == (InvoiceStatus.DRAFT, None)
    assert sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True)) == [
        "2026-000001",
        "2026-000002",
    ]

    monkeypatch.setattr(runs, "invoice_document_store", real_store)
    _run(date(2026, 12, 2))

    second.refresh_from_db()
    assert second.number == "2026-000003"
    assert {first.pk, third.pk} == set(Invoice.objects.filter(billing_run=run).values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_number_is_only_taken_inside_a_transaction():
    with pytest.raises(RuntimeError):
        invoice_number_next(kind="invoice", year=2026)


@pytest.mark.django_db
def test_a_rolled_back_transaction_returns_the_number():
    with transaction.atomic():
        assert invoice_number_next(kind="invoice", year=2026) == "2026-000001"
    try:
        with transaction.atomic():
            assert invoice_number_next(kind="invoice", year=2026) == "2026-000002"
            raise ValueError("abort")
    except ValueError:
        pass
    with transaction.atomic():
        assert invoice_number_next(kind="invoice", year=2026) == "2026-000002"
        assert invoice_number_next(kind="credit_note", year=2026) == "CN2026-000001"


def test_customer_code_is_c_and_eight_digits():
    assert customer_code_for(project_id=123) == "C00000123"


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_once_make_one_run_with_gap_free_unique_numbers():
    # given: 24 due drafts (a transactional test starts without the migrated tax rate)
    standard_tax_rate()
    configured()
    drafts = [drafted(started_at=jst(2026, 11, 1 + n % 14)) for n in range(24)]
    start = threading.Barrier(2)
    results: list[BillingRun] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(billing_run(run_month=date(2026, 12, 1), actor=ACTOR))
        except BaseException as exc:  # surfaced below
            failures.append(exc)
        finally:
            connection.close()

    # when: two runs of the same month at once
    with time_machine.travel(jst(2026, 12, 1, 9), tick=True):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    # then: the database let one run start (one run per month in progress), the other was refused
    assert [type(failure) for failure in failures] == [Conflict], failures
    assert len(results) == 1
    # and every draft was issued exactly once, numbers 1…24 without gaps or repeats
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:06d}" for n in range(1, 25)]
    assert Invoice.objects.filter(status=InvoiceStatus.ISSUED).count() == len(drafts)
    assert (results[0].issued_count, results[0].skipped_count) == (24, 0)
    assert all(run.status == BillingRunStatus.FINISHED for run in results)
    # each invoice kept one original PDF, issued by one run
    assert all(i.documents.count() == 1 for i in Invoice.objects.all())
