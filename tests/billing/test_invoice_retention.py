"""Retention of invoices (issue 15): with a 3月決算 year, invoices of the year ending 2027-03-31 are
kept to 2034-05-31 and deleted on 2034-06-01 by the daily job — with their lines, PDFs, allocations
and payments — while the audit stays; a group goes on its latest member's (or payment's) day, and an
unpaid invoice never goes."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command

from calsreg.billing.models import (
    BillingRun,
    Invoice,
    InvoiceDocument,
    InvoiceLine,
    Payment,
    PaymentAllocation,
)
from calsreg.billing.services import billing_run, invoice_void
from calsreg.billing.services.payments import payment_allocate, payment_create_manual
from calsreg.billing.services.retention import invoices_retention_delete_due
from calsreg.jobs.registry import DAILY_JOB_LABELS, DAILY_JOBS
from calsreg.records.models import AuditEvent
from calsreg.records.services import files_verify
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _march_year_end(settings):
    settings.FISCAL_YEAR_END_MONTH = 3
    settings.INVOICE_RETENTION_YEARS = 7
    settings.TAX_FILING_EXTENSION_MONTHS = 0


def _pay(invoice: Invoice, day: date) -> Payment:
    with time_machine.travel(jst(day.year, day.month, day.day, 11), tick=False):
        payment = payment_create_manual(
            received_on=day, amount=invoice.total, payer_name="ヤマダ タロウ", actor=ACTOR
        )
        payment_allocate(payment=payment, invoice=invoice, amount=invoice.total, actor=ACTOR)
    return payment


def _void(invoice: Invoice, day: date) -> Invoice:
    with time_machine.travel(jst(day.year, day.month, day.day, 11), tick=False):
        return invoice_void(invoice=invoice, reason="工事の契約解除", actor=ACTOR)


def _issued(count: int, capture) -> list[Invoice]:
    """``count`` invoices issued by the billing run of 2026-12-01 (the year ending 2027-03-31)."""
    configured()
    drafts = [
        drafted(started_at=jst(2026, 11, 10), project_number=f"R8-新潟-土木-{n:04d}") for n in range(count)
    ]
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False), capture(execute=True):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    for invoice in drafts:
        invoice.refresh_from_db()
        assert invoice.issue_date == date(2026, 12, 1)
    return drafts


def _run_on(day: date, capture) -> int:
    with time_machine.travel(jst(day.year, day.month, day.day, 3), tick=False), capture(execute=True):
        return invoices_retention_delete_due()


def _paths(invoices: list[Invoice]) -> list[Path]:
    return [Path(d.file.path) for d in InvoiceDocument.objects.filter(invoice__in=invoices).order_by("pk")]


def _kept(invoices: list[Invoice]) -> list[int]:
    return sorted(Invoice.objects.filter(pk__in=[i.pk for i in invoices]).values_list("pk", flat=True))


def test_paid_invoice_and_credit_note_go_on_the_day_not_a_day_early_and_the_audit_stays(
    django_capture_on_commit_callbacks,
):
    # given: a paid invoice, a voided one with its credit note (same year), an unpaid one
    paid, voided, unpaid = _issued(3, django_capture_on_commit_callbacks)
    payment = _pay(paid, date(2027, 1, 12))
    with django_capture_on_commit_callbacks(execute=True):
        credit = _void(voided, date(2027, 3, 10))
    assert credit.issue_date == date(2027, 3, 10)
    due = [paid, voided, credit]
    files = _paths(due)
    assert len(files) == 3 and all(path.exists() for path in files)
    paid_pdf = paid.documents.get()
    audit_before = AuditEvent.objects.count()

    # when: the day before the period ends
    assert _run_on(date(2034, 5, 31), django_capture_on_commit_callbacks) == 0

    # then: nothing gone
    assert _kept([*due, unpaid]) == sorted(i.pk for i in [*due, unpaid])
    assert all(path.exists() for path in files)
    assert AuditEvent.objects.count() == audit_before

    # when: the first day after it
    deleted = _run_on(date(2034, 6, 1), django_capture_on_commit_callbacks)

    # then: the paid invoice, the voided one and its credit note are gone, rows and files
    assert deleted == 3
    assert _kept([*due, unpaid]) == [unpaid.pk]
    assert not any(path.exists() for path in files)
    assert not InvoiceLine.objects.filter(invoice__in=[i.pk for i in due]).exists()
    assert not InvoiceDocument.objects.filter(invoice__in=[i.pk for i in due]).exists()
    assert not PaymentAllocation.objects.exists()
    assert not Payment.objects.filter(pk=payment.pk).exists()
    # the audit of their life stays, plus one row per invoice deleted
    assert AuditEvent.objects.filter(subject_type="invoice", subject_id=paid.pk).count() > 1
    records = AuditEvent.objects.filter(action="invoice.retention_deleted").order_by("subject_id")
    assert [
        (r.subject_id, r.data["number"], r.data["issue_date"], r.data["deletable_from"]) for r in records
    ] == [
        (paid.pk, paid.number, "2026-12-01", "2034-06-01"),
        (voided.pk, voided.number, "2026-12-01", "2034-06-01"),
        (credit.pk, credit.number, "2027-03-10", "2034-06-01"),
    ]
    assert records[0].data["documents"] == [
        {"kind": "original", "file": paid_pdf.file.name, "sha256": paid_pdf.sha256}
    ]
    assert AuditEvent.objects.count() == audit_before + 3
    # the unpaid one keeps its PDF, and every file left verifies (no orphan, nothing missing)
    assert unpaid.documents.count() == 1
    assert files_verify().as_dict()["problems"] == []

    # when: the job runs again, that day and a year later
    again = _run_on(date(2034, 6, 1), django_capture_on_commit_callbacks)
    later = _run_on(date(2040, 6, 1), django_capture_on_commit_callbacks)

    # then: nothing more (the unpaid invoice is a claim: never deleted)
    assert (again, later) == (0, 0)
    assert _kept([unpaid]) == [unpaid.pk]
    assert AuditEvent.objects.count() == audit_before + 3


def test_a_credit_note_or_a_payment_of_the_next_year_keeps_its_invoice_a_year_longer(
    django_capture_on_commit_callbacks,
):
    # given: one invoice voided on 2027-04-02 (its credit note is of the year ending 2028-03-31),
    # one paid on 2027-04-05 (the payment is of that year too)
    voided, paid_late = _issued(2, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        credit = _void(voided, date(2027, 4, 2))
    _pay(paid_late, date(2027, 4, 5))
    everything = [voided, credit, paid_late]
    files = _paths(everything)

    # when / then: not on the invoices' own day, nor the day before the later year's
    assert _run_on(date(2034, 6, 1), django_capture_on_commit_callbacks) == 0
    assert _run_on(date(2035, 5, 31), django_capture_on_commit_callbacks) == 0
    assert _kept(everything) == sorted(i.pk for i in everything)
    assert all(path.exists() for path in files)

    # when: the later year's day
    deleted = _run_on(date(2035, 6, 1), django_capture_on_commit_callbacks)

    # then: all three, with their files and the run's bundled files (no invoice of the run is left)
    run = BillingRun.objects.get()
    assert deleted == 3 and _kept(everything) == []
    assert not any(path.exists() for path in files)
    assert (run.bundle_pdf.name, run.mailing_csv.name, run.bundle_sha256) == ("", "", "")
    assert AuditEvent.objects.filter(action="billing_run.files_deleted", subject_id=run.pk).count() == 1
    assert files_verify().as_dict()["problems"] == []


def test_the_dry_run_lists_the_groups_due_and_deletes_nothing(django_capture_on_commit_callbacks):
    # given
    paid, unpaid = _issued(2, django_capture_on_commit_callbacks)
    _pay(paid, date(2027, 1, 12))
    files = _paths([paid, unpaid])
    audit_before = AuditEvent.objects.count()

    # when
    out = StringIO()
    call_command("invoices_purge_due", "--dry-run", "--date", "2034-06-01", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        f"invoice {paid.number}: {paid.number}(invoice, issued 2026-12-01): "
        "invoices=1 documents=1 allocations=1 payments=1 run_files=0"
    )
    assert lines[1] == f"  file {paid.documents.get().file.name}"
    assert lines[2] == (
        "would delete groups=1 (as of 2034-06-01: issued or paid on or before 2027-03-31; "
        "the next day's documents go from 2035-06-01)"
    )
    assert _kept([paid, unpaid]) == sorted([paid.pk, unpaid.pk])
    assert all(path.exists() for path in files)
    assert AuditEvent.objects.count() == audit_before


def test_the_command_deletes_what_is_due_and_the_daily_job_is_registered(django_capture_on_commit_callbacks):
    (paid,) = _issued(1, django_capture_on_commit_callbacks)
    _pay(paid, date(2027, 1, 12))

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invoices_purge_due", "--date", "2034-06-01", stdout=out)

    assert out.getvalue() == "deleted=1\n"
    assert not Invoice.objects.filter(pk=paid.pk).exists()
    assert dict(DAILY_JOBS)["invoice_retention"] == (
        "calsreg.billing.services.retention.invoices_retention_delete_due"
    )
    assert str(DAILY_JOB_LABELS["invoice_retention"]) == "保存期間を過ぎた請求書の削除"


def test_a_paid_invoice_whose_payment_still_has_yen_to_place_is_kept(django_capture_on_commit_callbacks):
    # given: paid by a transfer 1,000 yen larger than the invoice (the surplus waits in the queue)
    (paid,) = _issued(1, django_capture_on_commit_callbacks)
    with time_machine.travel(jst(2027, 1, 12, 11), tick=False):
        payment = payment_create_manual(
            received_on=date(2027, 1, 12), amount=paid.total + 1_000, payer_name="ヤマダ タロウ", actor=ACTOR
        )
        payment_allocate(payment=payment, invoice=paid, amount=paid.total, actor=ACTOR)
    payment.refresh_from_db()
    paid.refresh_from_db()
    assert (paid.status, payment.status) == ("paid", "partially_matched")
    audit_before = AuditEvent.objects.count()

    # when
    deleted = _run_on(date(2040, 6, 1), django_capture_on_commit_callbacks)

    # then: nothing changed
    assert deleted == 0
    assert _kept([paid]) == [paid.pk]
    assert PaymentAllocation.objects.filter(payment=payment, invoice=paid).count() == 1
    assert AuditEvent.objects.count() == audit_before
