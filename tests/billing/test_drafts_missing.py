"""Invoice drafts at start of use: the daily sweep, the billing run's first step, the desk's action."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import ProjectStatus, Role
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.services import billing_run, invoice_drafts_create_missing
from calsreg.jobs.registry import DAILY_JOBS
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import registered
from tests.billing.invoice_helpers import ACTOR, configured, jst, make_issuer, make_plan, make_project
from tests.desk.helpers import confirm_preview
from tests.factories import OfficeFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_sweep_drafts_started_projects_without_an_invoice_once():
    configured()
    started = make_project()

    with time_machine.travel(jst(2026, 11, 20), tick=False):
        first = invoice_drafts_create_missing(actor=ACTOR)
        second = invoice_drafts_create_missing(actor=ACTOR)

    assert (first, second) == (1, 0)
    invoice = Invoice.objects.get()
    assert (invoice.project_id, invoice.status) == (started.pk, InvoiceStatus.DRAFT)
    assert AuditEvent.objects.filter(action="invoice.drafted").count() == 1


def test_the_sweep_skips_unstarted_closed_and_unconfigured_projects_without_failing():
    configured()
    not_started = make_project()
    not_started.started_at = None
    not_started.status = ProjectStatus.PROVISIONED
    not_started.save()
    closed = make_project()
    closed.status = ProjectStatus.CLOSED
    closed.save()
    # Another organisation, with no fee plan yet.
    make_project(office=OfficeFactory(organisation=OrganisationFactory(code="99", name="新潟市")))
    billed = make_project()

    with time_machine.travel(jst(2026, 11, 20), tick=False):
        created = invoice_drafts_create_missing(actor=ACTOR)

    assert created == 1
    assert list(Invoice.objects.values_list("project_id", flat=True)) == [billed.pk]


def test_the_sweep_is_a_daily_job():
    assert ("invoice_drafts", "calsreg.billing.services.invoice_drafts_create_missing") in DAILY_JOBS


def test_the_billing_run_drafts_a_started_project_that_has_none_then_issues_it():
    configured()
    project = make_project(started_at=jst(2026, 11, 2))
    assert not Invoice.objects.exists()

    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        run = billing_run(run_month=date(2026, 12, 1), actor=ACTOR)

    invoice = Invoice.objects.get(project=project)
    assert (run.issued_count, invoice.status, invoice.number) == (1, InvoiceStatus.ISSUED, "2026-000001")


def _start_use_from_the_desk(client, project):
    client.force_login(UserFactory(role=Role.HELP_DESK))
    response = confirm_preview(
        client, reverse("desk:project_start_use", args=[project.application_id]), {"when": "now"}
    )
    return [str(m) for m in response.wsgi_request._messages]


def test_the_desk_start_of_use_drafts_the_invoice(client):
    project, _ = registered()
    make_issuer()
    make_plan(organisation=project.office.organisation)

    with time_machine.travel(jst(2026, 11, 20), tick=False):
        shown = _start_use_from_the_desk(client, project)

    assert shown == ["利用を開始しました。関係者に利用開始のお知らせを送ります。"]
    invoice = Invoice.objects.get(project=project)
    assert (invoice.status, invoice.transaction_date) == (InvoiceStatus.DRAFT, date(2026, 11, 20))


def test_without_billing_configuration_the_start_of_use_stands_with_a_warning(client):
    project, _ = registered()

    with time_machine.travel(jst(2026, 11, 20), tick=False):
        shown = _start_use_from_the_desk(client, project)

    project.refresh_from_db()
    assert project.status == ProjectStatus.ACTIVE and project.started_at is not None
    assert len(shown) == 2 and shown[1].startswith("請求書の下書きを作成できませんでした（")
    assert "料金プランが設定されていません" in shown[1]
    assert not Invoice.objects.exists()
