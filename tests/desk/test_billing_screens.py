"""The billing agent's screens: roles, filters, paging in constant queries, aging, CSV, runs, actions."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import BillingRun, Invoice, InvoiceDeferral, InvoiceStatus
from calsreg.billing.services import billing_run
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
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
    with django_assert_num_queries(6):
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
    assert lines[1].endswith(",2027-01-29,17600,0,17600")


def test_the_run_button_issues_the_due_drafts_and_shows_the_run_with_its_files(client):
    configured()
    drafted(started_at=jst(2026, 11, 2))

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        _agent(client)  # signed in on the day (desk sessions are short)
        response = client.post(reverse("desk:billing_run_start"), {"run_month": "2026-12"}, follow=True)

    run = BillingRun.objects.get()
    assert (run.issued_count, run.total, run.done) == (1, 1, 1)
    page = response.content.decode()
    assert reverse("desk:billing_run_file", args=[run.pk, "bundle"]) in page
    assert reverse("desk:billing_run_file", args=[run.pk, "mailing"]) in page
    assert 'hx-trigger="every 2s"' not in page  # finished: no more polling
    pdf = client.get(reverse("desk:billing_run_file", args=[run.pk, "bundle"]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


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
