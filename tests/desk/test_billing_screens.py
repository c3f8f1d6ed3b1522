"""The billing agent's screens: roles, filters, paging in constant queries, aging, CSV, runs, actions."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.billing.models import (
    BillingRun,
    BillingRunStatus,
    Invoice,
    InvoiceDeferral,
    InvoiceStatus,
    Issuer,
)
from calsreg.billing.services import billing_run, billing_run_enqueue
from calsreg.core.errors import Conflict
from calsreg.desk.billing.views.invoices import CSV_HEADER
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
from tests.desk.helpers import confirm_preview
from tests.factories import OfficeFactory, UserFactory
from tests.verification.helpers import signed_in_as

pytestmark = pytest.mark.django_db

ROLES = [
    (None, 302),
    (Role.CONTRACTOR, 403),
    (Role.SUPERVISOR, 403),
    (Role.HELP_DESK, 403),
    (Role.BILLING_AGENT, 200),
    (Role.ADMINISTRATOR, 200),
]


def _as_posted(invoice: Invoice, *, number: str, due_on: date, total: int | None = None) -> Invoice:
    """Straight to the database: these tests are about the screens, not the issuing (tests/billing)."""
    fields = {
        "status": InvoiceStatus.POSTED,
        "number": number,
        "issue_date": date(2026, 12, 1),
        "due_on": due_on,
    }
    if total is not None:
        fields.update(subtotal=total, tax=0, total=total)
    Invoice.objects.filter(pk=invoice.pk).update(**fields)
    invoice.refresh_from_db()
    return invoice


def _agent(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))


@pytest.mark.parametrize(("role", "expected"), ROLES)
def test_billing_screens_are_for_the_billing_agent_and_administrator_only(client, role, expected):
    configured()
    invoice = drafted()
    signed_in_as(client, role)

    statuses = [
        client.get(reverse("desk:billing_invoices")).status_code,
        client.get(reverse("desk:billing_invoices_csv")).status_code,
        client.get(reverse("desk:billing_aging")).status_code,
        client.get(reverse("desk:billing_invoice_detail", args=[invoice.pk])).status_code,
    ]
    posted = client.post(
        reverse("desk:billing_invoice_deferral", args=[invoice.pk]), {"until": "2030-01-01", "reason": "相談"}
    ).status_code

    assert statuses == [expected] * 4
    if expected == 200:
        assert posted == 302
    else:
        assert posted == expected
        assert not InvoiceDeferral.objects.exists()


def test_the_billing_agent_is_refused_on_the_application_queue_and_sent_to_billing_after_login(client):
    agent = UserFactory(role=Role.BILLING_AGENT)
    agent.set_password("Kz7-shinano-gawa")
    agent.save()

    response = client.post(
        reverse("desk:login"), {"username": agent.username, "password": "Kz7-shinano-gawa"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("desk:billing_invoices")
    assert client.get(reverse("desk:queue")).status_code == 403
    page = client.get(reverse("desk:billing_invoices")).content.decode()
    assert 'href="/desk/billing/" aria-current="page">請求</a>' in page
    assert "申込一覧" not in page and 'class="site-title" href="/desk/billing/"' in page


def test_the_list_filters_by_status_overdue_office_and_month(client):
    configured()
    other_office = OfficeFactory()
    draft = drafted()
    overdue = _as_posted(drafted(), number="2026-000001", due_on=date(2027, 1, 29))
    not_due = _as_posted(drafted(office=other_office), number="2026-000002", due_on=date(2027, 3, 31))

    def numbers(**query) -> list[int]:
        with time_machine.travel(jst(2027, 2, 10), tick=False):
            _agent(client)  # signed in on the day: a session from the real today would have expired
            response = client.get(reverse("desk:billing_invoices"), query)
        return sorted(i.pk for i in response.context["page"].object_list)

    assert numbers() == sorted([draft.pk, overdue.pk, not_due.pk])
    assert numbers(status="draft") == [draft.pk]
    assert numbers(overdue="on") == [overdue.pk]
    assert numbers(office=other_office.pk) == [not_due.pk]
    assert numbers(run_month="2026-12") == sorted([draft.pk, overdue.pk, not_due.pk])
    assert numbers(run_month="2027-01") == []


@pytest.mark.parametrize("n", [1, 6])
def test_the_list_costs_the_same_queries_for_1_or_6_invoices(client, django_assert_num_queries, n):
    configured()
    for i in range(n):
        _as_posted(drafted(), number=f"2026-{i + 1:06d}", due_on=date(2027, 1, 29))
    _agent(client)
    client.get(reverse("desk:billing_invoices"))  # warm the session

    # session, user, count, page, offices (the filter form), recent runs
    with django_assert_num_queries(7):
        response = client.get(reverse("desk:billing_invoices"))

    assert len(response.context["page"].object_list) == n


def test_aging_buckets_the_unpaid_balances_by_days_overdue(client):
    configured()
    today = date(2027, 5, 1)
    for number, due_on, total in [
        ("2026-000001", date(2027, 5, 31), 1_000),  # not due
        ("2026-000002", date(2027, 4, 30), 2_000),  # 1 day
        ("2026-000003", date(2027, 4, 1), 3_000),  # 30 days
        ("2026-000004", date(2027, 3, 2), 4_000),  # 60 days
        ("2026-000005", date(2027, 1, 31), 5_000),  # 90 days
        ("2026-000006", date(2027, 1, 30), 6_000),  # 91 days
    ]:
        _as_posted(drafted(), number=number, due_on=due_on, total=total)
    drafted()  # a draft is not a receivable

    with time_machine.travel(jst(today.year, today.month, today.day), tick=False):
        _agent(client)
        response = client.get(reverse("desk:billing_aging"))

    buckets = [(b.key, b.count, b.amount) for b in response.context["buckets"]]
    assert buckets == [
        ("not_due", 1, 1_000),
        ("d1_30", 2, 5_000),
        ("d31_60", 1, 4_000),
        ("d61_90", 1, 5_000),
        ("d90_plus", 1, 6_000),
    ]
    total = response.context["total"]
    assert (total.count, total.amount) == (6, 21_000)


def test_the_csv_export_has_the_filtered_rows_with_a_bom(client):
    configured()
    _as_posted(drafted(), number="2026-000001", due_on=date(2027, 1, 29), total=17_600)
    drafted()
    _agent(client)

    response = client.get(reverse("desk:billing_invoices_csv"), {"status": "posted"})

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff請求書番号,")
    lines = text.strip().split("\r\n")
    assert len(lines) == 2
    assert lines[1].startswith("2026-000001,請求書,郵送済み,株式会社越後建設,")
    assert lines[1].endswith(",2027-01-29,17600,0,0,17600")


def _workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_the_excel_export_has_the_filtered_rows_as_typed_cells(client):
    configured()
    _as_posted(drafted(), number="2026-000001", due_on=date(2027, 1, 29), total=17_600)
    drafted()
    _agent(client)

    page = client.get(reverse("desk:billing_invoices"), {"status": "posted"}).content.decode()
    response = client.get(reverse("desk:billing_invoices_xlsx"), {"status": "posted"})

    assert reverse("desk:billing_invoices_xlsx") + "?status=posted" in page
    assert 'filename="invoices.xlsx"' in response["Content-Disposition"]
    sheet = _workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == CSV_HEADER
    assert len(rows) == 2  # the header and the one posted invoice
    number, kind, status, addressee, *_middle, run_month, issued, due = rows[1][:9]
    total, paid, credited, balance = rows[1][9:]
    assert (number, kind, status, addressee) == ("2026-000001", "請求書", "郵送済み", "株式会社越後建設")
    assert run_month == datetime(2026, 12, 1)
    assert (issued, due) == (datetime(2026, 12, 1), datetime(2027, 1, 29))
    assert (total, paid, credited, balance) == (17_600, 0, 0, 17_600)
    assert all(isinstance(value, int) for value in (total, paid, balance))
    cells = {sheet.cell(row=1, column=i).value: sheet.cell(row=2, column=i) for i in range(1, 14)}
    assert cells["支払期限"].is_date and cells["発行日"].is_date
    assert "¥" in cells["合計（円）"].number_format and "#,##0" in cells["残額（円）"].number_format


def test_the_aging_table_exports_to_excel(client):
    configured()
    _as_posted(drafted(), number="2026-000001", due_on=date(2027, 4, 30), total=2_000)
    _as_posted(drafted(), number="2026-000002", due_on=date(2027, 5, 31), total=1_000)

    with time_machine.travel(jst(2027, 5, 1), tick=False):
        _agent(client)
        page = client.get(reverse("desk:billing_aging")).content.decode()
        response = client.get(reverse("desk:billing_aging_xlsx"))

    assert reverse("desk:billing_aging_xlsx") in page
    assert 'filename="aging-2027-05-01.xlsx"' in response["Content-Disposition"]
    sheet = _workbook(response)
    rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
    assert rows[0] == ("区分", "件数", "残高（円）")
    assert rows[-2] == ("合計", 2, 3_000)
    assert rows[-1][:2] == ("基準日", datetime(2027, 5, 1))
    amounts = {label: (count, amount) for label, count, amount in rows[1:-2]}
    assert sum(count for count, _ in amounts.values()) == 2
    assert sum(amount for _, amount in amounts.values()) == 3_000
    assert "¥" in sheet.cell(row=2, column=3).number_format


# transaction=True: the worker needs committed rows.
@pytest.mark.django_db(transaction=True)
def test_the_run_button_queues_the_run_and_the_worker_issues_the_drafts(client, run_tasks):
    configured()
    first = drafted(started_at=jst(2026, 11, 2))
    second = drafted(started_at=jst(2026, 11, 3))

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        _agent(client)  # signed in on the day (desk sessions are short)
        response = confirm_preview(client, reverse("desk:billing_run_start"), {"run_month": "2026-12"})

        # queued, nothing issued yet; the run page polls and shows an empty progress bar
        run = BillingRun.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("desk:billing_run_detail", args=[run.pk])
        assert (run.status, run.total, run.done, run.issued_count) == (BillingRunStatus.QUEUED, 2, 0, 0)
        assert run.started_by is not None and run.started_by.role == Role.BILLING_AGENT
        assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.DRAFT}
        queued = client.get(response["Location"]).content.decode()
        assert 'hx-trigger="every 2s"' in queued and "<progress" in queued
        assert 'value="0"' in queued and "0 / 2" in queued and "待機中" in queued
        assert reverse("desk:billing_run_file", args=[run.pk, "bundle"]) not in queued

        assert run_tasks() == 1

        fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
        page = client.get(response["Location"]).content.decode()
        # still on the day: a desk session is short, so the download happens while it lasts
        pdf = client.get(reverse("desk:billing_run_file", args=[run.pk, "bundle"]))

    run.refresh_from_db()
    assert (run.status, run.total, run.done, run.issued_count) == (BillingRunStatus.FINISHED, 2, 2, 2)
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == InvoiceStatus.ISSUED and invoice.billing_run_id == run.pk
    # the audit trail names the agent who pressed the button, not the worker
    assert set(AuditEvent.objects.filter(action="invoice.issued").values_list("actor_label", flat=True)) == {
        run.started_by_label
    }
    assert fragment.lstrip().startswith('<div id="run-progress"') and 'hx-trigger="every 2s"' not in fragment
    assert 'value="2"' in fragment and "2 / 2" in fragment
    assert reverse("desk:billing_run_file", args=[run.pk, "bundle"]) in page
    assert reverse("desk:billing_run_file", args=[run.pk, "mailing"]) in page
    assert 'hx-trigger="every 2s"' not in page  # finished: no more polling
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_second_run_of_the_month_is_refused_while_one_is_queued_or_running(client):
    configured()
    drafted(started_at=jst(2026, 11, 2))

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        _agent(client)
        confirm_preview(client, reverse("desk:billing_run_start"), {"run_month": "2026-12"})
        again = client.post(reverse("desk:billing_run_start"), {"run_month": "2026-12"}, follow=True)
        assert BillingRun.objects.count() == 1
        BillingRun.objects.update(status=BillingRunStatus.RUNNING)
        while_running = client.post(reverse("desk:billing_run_start"), {"run_month": "2026-12"}, follow=True)
        other_month = confirm_preview(client, reverse("desk:billing_run_start"), {"run_month": "2027-01"})
        with pytest.raises(Conflict):
            billing_run_enqueue(run_month=date(2026, 12, 15), actor=ACTOR)

    assert again.redirect_chain[-1][0] == reverse("desk:billing_invoices")
    assert "2026-12分の請求処理はすでに待機中です" in again.content.decode()
    assert "2026-12分の請求処理はすでに実行中です" in while_running.content.decode()
    assert BillingRun.objects.filter(run_month=date(2026, 12, 1)).count() == 1
    assert other_month.status_code == 302 and BillingRun.objects.count() == 2
    assert DBTaskResult.objects.count() == 2  # one task per accepted run, none for the refusals
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.DRAFT}


# transaction=True: the worker needs committed rows.
@pytest.mark.django_db(transaction=True)
def test_a_run_that_cannot_start_in_the_worker_ends_failed_with_the_reason(client, run_tasks):
    configured()
    drafted(started_at=jst(2026, 11, 2))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run_enqueue(run_month=date(2026, 12, 1), actor=ACTOR)
        Issuer.objects.update(active=False)
        assert run_tasks() == 1

    run.refresh_from_db()
    assert run.status == BillingRunStatus.FAILED and run.error and run.finished_at is not None
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.DRAFT}


def test_a_running_run_polls_its_progress_every_two_seconds(client):
    run = BillingRun.objects.create(
        run_month=date(2026, 12, 1), started_by_label="x", started_at=jst(2026, 12, 1), total=10, done=3
    )
    _agent(client)

    page = client.get(reverse("desk:billing_run_detail", args=[run.pk])).content.decode()
    fragment = client.get(reverse("desk:billing_run_detail", args=[run.pk]), HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 2s"' in page and "3 / 10" in page
    assert fragment.content.decode().lstrip().startswith('<div id="run-progress"')


def test_the_detail_page_marks_posted_and_grants_a_deferral(client):
    configured()
    invoice = drafted(started_at=jst(2026, 11, 2))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)

    with time_machine.travel(jst(2026, 12, 2, 9), tick=False):
        _agent(client)
        detail = client.get(reverse("desk:billing_invoice_detail", args=[invoice.pk]))
        client.post(reverse("desk:billing_invoice_posted", args=[invoice.pk]), {"posted_on": "2026-12-01"})
        client.post(
            reverse("desk:billing_invoice_deferral", args=[invoice.pk]),
            {"until": "2027-02-15", "reason": "決算期"},
        )
        refused = client.post(
            reverse("desk:billing_invoice_deferral", args=[invoice.pk]),
            {"until": "2026-11-01", "reason": "x"},
            follow=True,
        )

    assert "算定根拠" in detail.content.decode()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.posted_on) == (InvoiceStatus.POSTED, date(2026, 12, 1))
    assert list(InvoiceDeferral.objects.values_list("until", "reason")) == [(date(2027, 2, 15), "決算期")]
    assert "猶予期限には今日以降の日付を指定してください。" in refused.content.decode()
