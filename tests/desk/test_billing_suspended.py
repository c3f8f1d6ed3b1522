"""The billing agent's list of suspended projects with what each owes: its unpaid invoices, the
total and since when; a constant number of queries; the billing agent and administrator only."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Project, ProjectStatus, Role
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.services import billing_suspension_sweep
from calsreg.records.models import AuditEvent
from tests.billing.dunning_helpers import posted_invoice
from tests.billing.invoice_helpers import drafted, jst
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _suspended() -> tuple[Project, object]:
    project, invoice = posted_invoice()  # due 2027-02-01
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUSPENDED
    return project, invoice


def test_a_suspended_project_is_listed_with_its_unpaid_invoice_total_and_since_when(client):
    project, invoice = _suspended()
    with time_machine.travel(jst(2027, 2, 3, 9), tick=False):
        client.force_login(UserFactory(role=Role.BILLING_AGENT))
        response = client.get(reverse("desk:billing_suspended"))

    [row] = response.context["rows"]
    assert (row.project.pk, [i.pk for i in row.invoices], row.owed, row.owed_since) == (
        project.pk,
        [invoice.pk],
        invoice.total,
        date(2027, 2, 1),
    )
    page = response.content.decode()
    assert project.project_number in page and invoice.number in page
    assert "2027年2月2日(火)" in page  # suspended on
    assert "2027年2月1日(月)" in page  # owed since
    assert f"{invoice.total:,}" in page


@pytest.mark.parametrize("extra", [0, 4])
def test_the_list_costs_the_same_queries_whatever_the_number_of_projects(
    client, django_assert_num_queries, extra
):
    _suspended()
    for n in range(extra):  # more suspended projects, each owing an invoice (straight to the database)
        invoice = drafted(started_at=jst(2026, 11, 2))
        Invoice.objects.filter(pk=invoice.pk).update(
            status=InvoiceStatus.POSTED, number=f"2026-1000{n:02d}", due_on=date(2027, 2, 1)
        )
        Project.objects.filter(pk=invoice.project_id).update(status=ProjectStatus.SUSPENDED)
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    client.get(reverse("desk:billing_suspended"))

    with django_assert_num_queries(5):
        client.get(reverse("desk:billing_suspended"))


@pytest.mark.parametrize(("role", "status"), [(Role.HELP_DESK, 403), (None, 302)])
def test_the_list_is_refused_to_other_roles(client, role, status):
    project, _invoice = _suspended()
    if role:
        client.force_login(UserFactory(role=role))
    before = (AuditEvent.objects.count(), project.status)

    response = client.get(reverse("desk:billing_suspended"))

    assert response.status_code == status
    assert project.project_number not in response.content.decode()
    project.refresh_from_db()
    assert (AuditEvent.objects.count(), project.status) == before
