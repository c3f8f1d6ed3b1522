"""Dunning (seed step 6): reminder once, suspension exactly the day after the due date, deferral,
reinstatement on full payment — with the clock moved by time-machine."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.models import ProjectStatus, User
from calsreg.billing.models import InvoiceDeferral, InvoiceStatus
from calsreg.billing.services import (
    billing_suspension_sweep,
    invoice_deferral_grant,
    invoice_reminders_send,
)
from calsreg.billing.services.payments import payment_allocate, payment_create_manual
from calsreg.core.errors import ValidationFailed
from calsreg.jobs.registry import DAILY_JOBS
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.billing.dunning_helpers import APPLICANT_EMAIL, SITE_AGENT_EMAIL, posted_invoice
from tests.billing.invoice_helpers import ACTOR, jst

pytestmark = pytest.mark.django_db

SUSPENDED_MESSAGE = (
    "利用料のお支払いが確認できないため、工事の利用を停止しています。"
    "郵送した請求書に記載の振込先へ、お客様番号を付けてお支払いください。"
    "入金が確認でき次第、自動で利用を再開します。ご不明な点はヘルプデスクにお問い合わせください。"
)


def _sweep_on(day: date) -> int:
    with time_machine.travel(jst(day.year, day.month, day.day, 3), tick=False):
        return billing_suspension_sweep()


def _site_agent() -> User:
    return User.objects.get(email=SITE_AGENT_EMAIL)


def _pay(invoice, amount: int | None = None, day: date = date(2027, 2, 3)) -> None:
    with time_machine.travel(jst(day.year, day.month, day.day, 11), tick=False):
        payment = payment_create_manual(
            received_on=day,
            amount=amount or invoice.total,
            payer_name="ヤマダ タロウ",
            actor=ACTOR,  # unmatched: allocated by hand
        )
        payment_allocate(payment=payment, invoice=invoice, amount=amount or invoice.total, actor=ACTOR)


def test_no_suspension_on_the_due_date_itself():
    project, _invoice = posted_invoice()

    assert _sweep_on(date(2027, 2, 1)) == 0

    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE
    assert not Delivery.objects.filter(kind="project_suspended").exists()
    assert account_login_refusal(user=_site_agent()) is None


def test_suspension_exactly_the_day_after_the_due_date_with_notices_and_audit():
    project, invoice = posted_invoice()

    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        suspended = billing_suspension_sweep()
        again = billing_suspension_sweep()

    project.refresh_from_db()
    assert (suspended, again) == (1, 0)
    assert project.status == ProjectStatus.SUSPENDED and project.suspended_at == jst(2027, 2, 2, 3)
    notices = Delivery.objects.filter(kind="project_suspended").order_by("pk")
    assert sorted(d.to_address for d in notices) == sorted([APPLICANT_EMAIL, SITE_AGENT_EMAIL])
    assert all(d.context["invoice_number"] == invoice.number for d in notices)
    event = AuditEvent.objects.get(action="project.suspended")
    assert event.data == {
        "invoice_id": invoice.pk,
        "due_on": "2027-02-01",
        "cause": "payment",
        "causes": ["payment"],
    }
    assert account_login_refusal(user=_site_agent()) == SUSPENDED_MESSAGE


def test_a_partly_paid_invoice_still_suspends():
    _project, invoice = posted_invoice()
    _pay(invoice, amount=1_000, day=date(2027, 1, 20))

    assert _sweep_on(date(2027, 2, 2)) == 1


def test_full_payment_reinstates_the_project_and_tells_the_applicant_and_site_agent():
    project, invoice = posted_invoice()
    _sweep_on(date(2027, 2, 2))

    _pay(invoice)

    project.refresh_from_db()
    invoice.refresh_from_db()
    assert (invoice.status, project.status, project.suspended_at) == (
        InvoiceStatus.PAID,
        ProjectStatus.ACTIVE,
        None,
    )
    notices = Delivery.objects.filter(kind="project_reinstated")
    assert sorted(d.to_address for d in notices) == sorted([APPLICANT_EMAIL, SITE_AGENT_EMAIL])
    assert AuditEvent.objects.filter(action="project.reinstated", subject_id=project.pk).count() == 1
    assert AuditEvent.objects.filter(action="invoice.paid").count() == 1
    assert account_login_refusal(user=_site_agent()) is None


def test_payment_before_the_due_date_prevents_suspension():
    _project, invoice = posted_invoice()
    _pay(invoice, day=date(2027, 1, 25))

    assert _sweep_on(date(2027, 2, 2)) == 0
    assert not Delivery.objects.filter(kind="project_reinstated").exists()


def test_a_deferral_holds_suspension_back_until_its_day_then_the_sweep_suspends():
    _project, invoice = posted_invoice()
    with time_machine.travel(jst(2027, 1, 28), tick=False):
        deferral = invoice_deferral_grant(
            invoice=invoice, until=date(2027, 2, 15), reason="決算期のため", actor=ACTOR
        )

    assert (deferral.until, deferral.reason) == (date(2027, 2, 15), "決算期のため")
    assert _sweep_on(date(2027, 2, 2)) == 0
    assert _sweep_on(date(2027, 2, 15)) == 0
    assert _sweep_on(date(2027, 2, 16)) == 1
    assert AuditEvent.objects.filter(action="invoice.deferral_granted", subject_id=invoice.pk).count() == 1


def test_a_deferral_needs_a_reason_and_a_day_not_past_and_changes_nothing_when_refused():
    _project, invoice = posted_invoice()

    with time_machine.travel(jst(2027, 1, 28), tick=False), pytest.raises(ValidationFailed) as refusal:
        invoice_deferral_grant(invoice=invoice, until=date(2027, 1, 27), reason="  ", actor=ACTOR)

    assert [e.field for e in refusal.value.errors] == ["reason", "until"]
    assert not InvoiceDeferral.objects.exists()
    assert not AuditEvent.objects.filter(action="invoice.deferral_granted").exists()


def test_the_reminder_goes_once_seven_days_before_the_due_date():
    _project, invoice = posted_invoice()

    with time_machine.travel(jst(2027, 1, 24, 3), tick=False):
        early = invoice_reminders_send()
    with time_machine.travel(jst(2027, 1, 25, 3), tick=False):
        first = invoice_reminders_send()
    with time_machine.travel(jst(2027, 1, 26, 3), tick=False):
        second = invoice_reminders_send()

    assert (early, first, second) == (0, 1, 0)
    reminder = Delivery.objects.get(kind="invoice_reminder")
    assert (reminder.to_address, reminder.context["due_on"]) == (APPLICANT_EMAIL, "2027-02-01")
    assert reminder.context["total"] == f"{invoice.total:,}"
    assert AuditEvent.objects.filter(action="invoice.reminder_sent").count() == 1


def test_no_reminder_for_a_paid_invoice(settings):
    settings.INVOICE_REMINDER_DAYS_BEFORE_DUE = 3
    _project, invoice = posted_invoice()
    _pay(invoice, day=date(2027, 1, 10))

    with time_machine.travel(jst(2027, 1, 28, 3), tick=False):
        assert invoice_reminders_send() == 0


def test_the_command_and_the_daily_jobs(capsys):
    posted_invoice()

    call_command("suspension_sweep", "--date", "2027-02-02")

    assert "suspended=1" in capsys.readouterr().out
    names = [name for name, _path in DAILY_JOBS]
    billing_jobs = ["invoice_drafts", "invoice_reminders", "suspension_sweep"]
    assert [name for name in names if name in billing_jobs] == billing_jobs
