"""Arrival and due dates: end of the month after arrival, rolled forward to a business day."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from calsreg.billing.due_dates import (
    arrival_for_posting,
    due_date_for_arrival,
    month_end,
    run_month_for_start,
)
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.services import billing_run, invoice_set_arrival, invoices_mark_posted
from calsreg.core.errors import DomainError, InvalidTransition
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst


@pytest.mark.parametrize(
    ("arrival", "due"),
    [
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year: Feb 29 2028 is a Tuesday
        (date(2028, 1, 1), date(2028, 2, 29)),
        (date(2027, 1, 31), date(2027, 3, 1)),  # Feb 28 2027 is a Sunday → Monday Mar 1
        (date(2026, 11, 30), date(2027, 1, 4)),  # Dec 31 is in the year-end closure (and a bank holiday)
        (date(2026, 11, 2), date(2027, 1, 4)),
        (date(2026, 12, 1), date(2027, 2, 1)),  # Jan 31 2027 is a Sunday → Monday Feb 1
        (date(2029, 3, 15), date(2029, 5, 1)),  # Apr 30 2029 is a substitute holiday (昭和の日 on Sunday)
        (date(2026, 9, 30), date(2026, 11, 2)),  # Oct 31 2026 is a Saturday → Monday Nov 2
        (date(2026, 10, 1), date(2026, 11, 30)),  # a plain Monday month end stays
    ],
)
def test_due_date_is_the_end_of_the_month_after_arrival_rolled_forward(arrival, due):
    assert due_date_for_arrival(arrival_on=arrival) == due


def test_month_end_knows_leap_years():
    assert month_end(date(2028, 2, 10)) == date(2028, 2, 29)
    assert month_end(date(2027, 2, 10)) == date(2027, 2, 28)
    assert month_end(date(2100, 2, 1)) == date(2100, 2, 28)  # divisible by 100, not by 400


@pytest.mark.parametrize(
    ("posted", "days", "arrival"),
    [
        (date(2026, 11, 24), 2, date(2026, 11, 26)),
        (date(2026, 11, 20), 2, date(2026, 11, 25)),  # Fri → skips the weekend and 勤労感謝の日 (Mon 23)
        (date(2026, 12, 25), 2, date(2027, 1, 4)),  # Fri → Mon 28, then the 12/29–1/3 closure
        (date(2026, 12, 28), 1, date(2027, 1, 4)),
        (date(2026, 11, 24), 0, date(2026, 11, 24)),
    ],
)
def test_arrival_counts_business_days_after_posting(posted, days, arrival):
    assert arrival_for_posting(posted_on=posted, business_days=days) == arrival


def test_arrival_uses_the_configured_delivery_days(settings):
    settings.POSTAL_DELIVERY_BUSINESS_DAYS = 3

    assert arrival_for_posting(posted_on=date(2026, 11, 24)) == date(2026, 11, 27)


@pytest.mark.parametrize(
    ("started", "cutoff", "run_month"),
    [
        (date(2026, 11, 15), 15, date(2026, 12, 1)),
        (date(2026, 11, 16), 15, date(2027, 1, 1)),
        (date(2026, 12, 15), 15, date(2027, 1, 1)),
        (date(2026, 12, 16), 15, date(2027, 2, 1)),
        (date(2027, 1, 31), 31, date(2027, 2, 1)),
    ],
)
def test_run_month_for_the_start_of_use(started, cutoff, run_month):
    assert run_month_for_start(started_on=started, cutoff_day=cutoff) == run_month


# --- posting with time travel ------------------------------------------------------------------------


def _issued_on(day: date) -> Invoice:
    configured()
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(day.year, day.month, day.day, 9), tick=False):
        billing_run(run_month=day, actor=ACTOR)
    invoice.refresh_from_db()
    return invoice


@pytest.mark.django_db
def test_posting_before_the_year_end_sets_arrival_after_the_closure_and_the_due_date():
    invoice = _issued_on(date(2026, 12, 25))
    assert invoice.printed_due_on == date(2027, 3, 1)  # planned: posted on the issue day

    with time_machine.travel(jst(2026, 12, 25, 16), tick=False):
        [posted] = invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 25), actor=ACTOR)

    assert posted.status == InvoiceStatus.POSTED
    assert (posted.posted_on, posted.arrival_on, posted.due_on) == (
        date(2026, 12, 25),
        date(2027, 1, 4),  # +2 business days: Mon 12/28, then 1/4 after the closure
        date(2027, 3, 1),  # end of February (Sunday 28th) → Monday March 1
    )
    assert AuditEvent.objects.filter(action="invoice.posted", subject_id=invoice.pk).count() == 1


@pytest.mark.django_db
def test_posting_later_moves_the_due_date_later():
    invoice = _issued_on(date(2026, 12, 1))
    assert invoice.printed_due_on == date(2027, 2, 1)  # arrival 12/3 → Jan 31 (Sunday) → Feb 1

    with time_machine.travel(jst(2027, 1, 5, 10), tick=False):
        [posted] = invoices_mark_posted(invoices=[invoice], posted_on=date(2027, 1, 5), actor=ACTOR)

    assert (posted.arrival_on, posted.due_on) == (date(2027, 1, 7), date(2027, 3, 1))


@pytest.mark.django_db
def test_an_arrival_override_recomputes_the_due_date():
    invoice = _issued_on(date(2026, 12, 1))
    with time_machine.travel(jst(2026, 12, 1, 16), tick=False):
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 1), actor=ACTOR)

    # the contractor says it only came after the New Year
    updated = invoice_set_arrival(invoice=invoice, arrival_on=date(2027, 1, 5), actor=ACTOR)

    assert updated.arrival_overridden
    assert (updated.arrival_on, updated.due_on) == (date(2027, 1, 5), date(2027, 3, 1))
    event = AuditEvent.objects.get(action="invoice.arrival_set")
    assert event.data == {"arrival_on": "2026-12-03", "due_on": "2027-02-01"}


@pytest.mark.django_db
def test_the_due_date_never_moves_before_the_printed_one():
    invoice = _issued_on(date(2026, 12, 25))  # printed due date 2027-03-01
    with time_machine.travel(jst(2026, 12, 25, 16), tick=False):
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 25), actor=ACTOR)

    updated = invoice_set_arrival(invoice=invoice, arrival_on=date(2026, 12, 28), actor=ACTOR)

    assert updated.due_on == date(2027, 3, 1)  # the rule alone would give 2027-02-01


@pytest.mark.django_db
def test_a_future_posting_date_is_refused_and_nothing_changes():
    invoice = _issued_on(date(2026, 12, 1))

    with time_machine.travel(jst(2026, 12, 1, 16), tick=False), pytest.raises(DomainError):
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 2), actor=ACTOR)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.posted_on, invoice.due_on) == (InvoiceStatus.ISSUED, None, None)
    assert not AuditEvent.objects.filter(action="invoice.posted").exists()


@pytest.mark.django_db
def test_posting_a_draft_is_refused_for_the_whole_batch():
    issued = _issued_on(date(2026, 12, 1))
    draft = drafted(started_at=jst(2026, 12, 20))

    with time_machine.travel(jst(2026, 12, 2, 16), tick=False), pytest.raises(InvalidTransition):
        invoices_mark_posted(invoices=[issued, draft], posted_on=date(2026, 12, 2), actor=ACTOR)

    issued.refresh_from_db()
    assert issued.status == InvoiceStatus.ISSUED
    assert not AuditEvent.objects.filter(action="invoice.posted").exists()


@pytest.mark.django_db
def test_an_arrival_before_posting_is_refused():
    invoice = _issued_on(date(2026, 12, 1))
    with time_machine.travel(jst(2026, 12, 1, 16), tick=False):
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 1), actor=ACTOR)

    with pytest.raises(DomainError):
        invoice_set_arrival(invoice=invoice, arrival_on=date(2026, 11, 30), actor=ACTOR)
