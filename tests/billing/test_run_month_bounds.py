"""Billing run months: after next month, before the first service month and malformed months are
refused at the desk's run button and by the ``billing_run`` command, with the field named and nothing
run, queued or issued; the API's month filter refuses a malformed month with 422, never a 500."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.billing.models import BillingRun, Invoice, InvoiceStatus
from calsreg.records.models import AuditEvent
from tests.api.helpers import bearer, staff_token
from tests.billing.invoice_helpers import configured, drafted, jst
from tests.desk.helpers import confirm_preview
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_A_MONTH = "「{value}」は年月として読めません。YYYY-MM の形（例: 2026-12、月は01〜12）で入力してください。"
AHEAD = "{month}分の請求処理はまだできません。請求処理は翌月（2027-01）分までです。"
BEFORE_FIRST = "{month}分の請求処理はできません。最初に利用を開始した月（2026-11）より前の月です。"


@pytest.fixture(autouse=True)
def _on_the_first_of_december_2026():
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        yield


@pytest.fixture
def agent_client(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    return client


def _two_drafts() -> list[Invoice]:
    """The first project of all started on 2026-11-02 (first service month 2026-11)."""
    configured()
    return [drafted(started_at=jst(2026, 11, 2)), drafted(started_at=jst(2026, 11, 20))]


def _state() -> dict[str, object]:
    return {
        "runs": BillingRun.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "audit": AuditEvent.objects.count(),
        "invoices": sorted(Invoice.objects.values_list("status", "number")),
    }


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2027-02", AHEAD.format(month="2027-02")),
        ("9999-12", AHEAD.format(month="9999-12")),
        ("2026-10", BEFORE_FIRST.format(month="2026-10")),
        ("0001-01", BEFORE_FIRST.format(month="0001-01")),
        ("0000-01", NOT_A_MONTH.format(value="0000-01")),
        ("2026-13", NOT_A_MONTH.format(value="2026-13")),
        ("abcd", NOT_A_MONTH.format(value="abcd")),
    ],
)
def test_the_run_button_refuses_a_month_out_of_bounds_or_malformed_and_runs_nothing(
    agent_client, month, message
):
    _two_drafts()
    before = _state()

    response = agent_client.post(reverse("desk:billing_run_start"), {"run_month": month})

    assert (response.status_code, response["Location"]) == (302, reverse("desk:billing_invoices"))
    assert _messages(response) == [f"請求月: {message}"]
    assert _state() == before
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.DRAFT}


def test_next_month_and_the_first_service_month_are_the_bounds_and_are_accepted(agent_client):
    _two_drafts()

    first = confirm_preview(agent_client, reverse("desk:billing_run_start"), {"run_month": "2026-11"})
    last = confirm_preview(agent_client, reverse("desk:billing_run_start"), {"run_month": "2027-01"})

    assert (first.status_code, last.status_code) == (302, 302)
    assert sorted(BillingRun.objects.values_list("run_month", flat=True)) == [
        date(2026, 11, 1),
        date(2027, 1, 1),
    ]
    assert DBTaskResult.objects.count() == 2


def test_before_any_start_of_use_only_this_and_next_month_can_be_run(agent_client):
    configured()
    before = _state()

    response = agent_client.post(reverse("desk:billing_run_start"), {"run_month": "2026-11"})

    assert _messages(response) == [
        "請求月: 2026-11分の請求処理はできません。利用を開始した工事がまだないため、今月（2026-12）より前の月は指定できません。"
    ]
    assert _state() == before


@pytest.mark.parametrize(
    ("month", "error"),
    [
        ("9999-12", f"請求月: {AHEAD.format(month='9999-12')}"),
        ("0001-01", f"請求月: {BEFORE_FIRST.format(month='0001-01')}"),
        ("0000-01", f"Error: argument --month: {NOT_A_MONTH.format(value='0000-01')}"),
    ],
)
def test_the_command_refuses_the_same_months_and_runs_nothing(month, error):
    _two_drafts()
    before = _state()

    with pytest.raises(CommandError) as refused:
        call_command("billing_run", "--month", month)

    assert str(refused.value) == error
    assert _state() == before


@pytest.mark.parametrize("month", ["0000-01", "2026-13", "abcd", "2026-1-1"])
def test_the_api_month_filter_refuses_a_malformed_month_with_422(client, month):
    _two_drafts()
    _user, secret = staff_token(role=Role.BILLING_AGENT)

    response = client.get("/api/billing/invoices", {"run_month": month}, **bearer(secret))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "run_month", "label": "請求月", "message": NOT_A_MONTH.format(value=month)}
    ]
