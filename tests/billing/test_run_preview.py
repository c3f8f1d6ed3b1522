"""The billing run shows what it will do before doing it (issue 11 item 6).

Driven through the desk as the billing agent would: the run button's POST shows the month, the
number of invoices, their total and the first and last number 予定, writing nothing; the
confirmation issues exactly those numbers; a plan gone stale meanwhile (a draft added, the number
taken, a token altered) is refused with nothing started and the new plan shown; another role is
refused even with the agent's token.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.billing.models import BillingRun, Invoice, InvoiceCounter, InvoiceKind, InvoiceStatus
from calsreg.billing.numbering import invoice_number_next
from calsreg.billing.services import billing_run_preview
from calsreg.billing.services.runs import billing_run_queued_execute
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import configured, drafted, jst
from tests.desk.helpers import preview_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RUN = reverse("desk:billing_run_start")
MONTH = {"run_month": "2026-12"}
STALE = "確認画面を表示した後に内容が変わりました。何も実行していません。新しい内容を確認してください。"


@pytest.fixture(autouse=True)
def _on_the_first_of_december_2026():
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        yield


@pytest.fixture
def agent_client(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    return client


def _drafts(count: int) -> list[Invoice]:
    configured()
    # 41 numbers of 2026 already used (earlier runs): the plan starts at 42.
    InvoiceCounter.objects.create(series="2026", last=41)
    return [drafted(started_at=jst(2026, 11, 2 + n)) for n in range(count)]


def _state() -> dict[str, object]:
    return {
        "runs": BillingRun.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "audit": sorted(AuditEvent.objects.values_list("action", flat=True)),
        "invoices": sorted(Invoice.objects.values_list("pk", "status", "number")),
        "counters": sorted(InvoiceCounter.objects.values_list("series", "last")),
    }


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def _shown(response) -> dict[str, str]:
    page = response.content.decode()

    def text(element_id: str) -> str:
        start = page.index(f'id="{element_id}">') + len(element_id) + 6
        return page[start : page.index("</dd>", start)]

    return {
        "month": text("run-preview-month"),
        "count": text("run-preview-count"),
        "total": text("run-preview-total"),
        "numbers": text("run-preview-numbers").replace("<code>", "").replace("</code>", ""),
    }


def test_the_preview_shows_month_count_total_and_numbers_and_writes_nothing(agent_client):
    drafts = _drafts(3)
    before = _state()

    response = agent_client.post(RUN, MONTH)

    total = sum(invoice.total for invoice in drafts)
    assert response.status_code == 200
    assert _shown(response) == {
        "month": "2026年12月",
        "count": "3件",
        "total": f"{total:,}円",
        "numbers": "2026-000042 〜 2026-000044",
    }
    assert _state() == before


def test_the_preview_service_selects_what_the_run_selects_and_writes_nothing():
    drafts = _drafts(2)
    before = _state()

    plan = billing_run_preview(run_month=date(2026, 12, 20))

    assert (plan.run_month, plan.invoice_ids, plan.count) == (
        date(2026, 12, 1),
        tuple(invoice.pk for invoice in drafts),
        2,
    )
    assert (plan.first_number, plan.last_number, plan.undrafted) == ("2026-000042", "2026-000043", 0)
    assert plan.total == sum(invoice.total for invoice in drafts)
    assert _state() == before


def test_confirmed_as_previewed_the_run_issues_exactly_the_numbers_shown(agent_client):
    drafts = _drafts(3)
    token = preview_token(agent_client.post(RUN, MONTH))

    response = agent_client.post(RUN, {**MONTH, "confirmed": "1", "preview": token})
    run = BillingRun.objects.get()
    billing_run_queued_execute(run_id=run.pk)  # the worker's side

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("desk:billing_run_detail", args=[run.pk]),
    )
    run.refresh_from_db()
    assert (run.total, run.issued_count) == (3, 3)
    issued = Invoice.objects.filter(billing_run=run).order_by("number")
    assert list(issued.values_list("pk", "number", "status")) == [
        (drafts[0].pk, "2026-000042", InvoiceStatus.ISSUED),
        (drafts[1].pk, "2026-000043", InvoiceStatus.ISSUED),
        (drafts[2].pk, "2026-000044", InvoiceStatus.ISSUED),
    ]


def test_a_draft_added_after_the_preview_is_refused_nothing_started_and_the_new_plan_shown(agent_client):
    _drafts(2)
    token = preview_token(agent_client.post(RUN, MONTH))
    drafted(started_at=jst(2026, 11, 6))  # another project's draft arrives while the agent reads
    before = _state()

    response = agent_client.post(RUN, {**MONTH, "confirmed": "1", "preview": token})

    assert response.status_code == 200
    assert _messages(response) == [STALE]
    assert _shown(response)["count"] == "3件"
    assert _shown(response)["numbers"] == "2026-000042 〜 2026-000044"
    assert _state() == before


def test_a_number_taken_after_the_preview_is_refused_and_nothing_started(agent_client):
    _drafts(2)
    token = preview_token(agent_client.post(RUN, MONTH))
    with transaction.atomic():  # an invoice issued elsewhere takes 2026-000042 meanwhile
        invoice_number_next(kind=InvoiceKind.ADDITIONAL, year=2026)
    before = _state()

    response = agent_client.post(RUN, {**MONTH, "confirmed": "1", "preview": token})

    assert _messages(response) == [STALE]
    assert _shown(response)["numbers"] == "2026-000043 〜 2026-000044"
    assert _state() == before


def test_an_altered_token_is_refused_and_nothing_started(agent_client):
    _drafts(2)
    before = _state()

    response = agent_client.post(RUN, {**MONTH, "confirmed": "1", "preview": "0" * 32})

    assert _messages(response) == [STALE]
    assert _state() == before


@pytest.mark.parametrize(("role", "status"), [(Role.HELP_DESK, 403), (Role.CONTRACTOR, 302)])
def test_another_role_is_refused_even_with_the_agents_token_and_nothing_changes(client, role, status):
    _drafts(2)
    agent = UserFactory(role=Role.BILLING_AGENT)
    client.force_login(agent)
    token = preview_token(client.post(RUN, MONTH))
    client.force_login(UserFactory(role=role))
    before = _state()

    preview = client.post(RUN, MONTH)
    confirm = client.post(RUN, {**MONTH, "confirmed": "1", "preview": token})

    assert (preview.status_code, confirm.status_code) == (status, status)
    if status == 302:  # a contractor's session is no desk session: sent to a sign-in page
        assert "/login/" in preview["Location"] and "/login/" in confirm["Location"]
    assert b"run-preview-count" not in preview.content
    assert _state() == before
