"""What applying a change does is decided by the app that owns the data: attacks through the staff
API on the rules the owning services keep (``accounts.project_details_change``,
``accounts.project_registration_details_change``), and the daily close that no row can outlive."""

from __future__ import annotations

import datetime as dt

import pytest

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.accounts.services import project_start_use
from calsreg.applications.models import Application
from calsreg.changes.models import ChangeItem, ChangeRequest
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.accounts.helpers import registered
from tests.api.helpers import bearer, staff_token
from tests.billing.invoice_helpers import jst
from tests.changes.api_flow import ApiWorld, api_world, registration
from tests.changes.callback_helpers import call_back
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client, time_machine) -> ApiWorld:
    return api_world(client, time_machine)


def test_a_new_company_name_reaches_the_projects_copy_with_the_before_and_after(world):
    project = world.project

    applied = world.verify_and_apply(
        world.filed({"field": "contractor_name", "value": "株式会社越後建設工業"})
    )

    assert applied["items"][0]["applied_at"] is not None
    assert Application.objects.get(pk=project.application_id).contractor_name == "株式会社越後建設工業"
    assert Project.objects.get(pk=project.pk).contractor_name == "株式会社越後建設工業"
    event = AuditEvent.objects.get(action="registration.field_changed")
    assert (event.subject_type, event.subject_id) == ("application", project.application_id)
    assert event.data == {
        "field": "contractor_name",
        "before": "株式会社越後建設",
        "after": "株式会社越後建設工業",
        "change_request": applied["number"],
    }


def test_a_period_change_verified_before_the_project_closed_is_refused_after(world):
    project = world.project
    ends_today = world.filed({"field": "end_of_use", "value": "2026-12-10"})
    longer = world.filed({"field": "period_end", "value": "2027-05-31"})
    world.verify_and_apply(ends_today)
    call_back(longer, actor=Actor.staff(UserFactory(role="help_desk")), contact="applicant")
    assert world.close_job_on(dt.date(2026, 12, 11)) == "close_ended_projects: handled=1"
    before = registration(project)

    response = world.client.post(
        f"/api/staff/changes/{longer.number}/apply", "{}", content_type="application/json", **world.headers
    )

    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["applied_at"] is None
    assert item["outcome"] == "反映できませんでした：利用を終了した工事の工事情報は変更できません。"
    assert registration(project) == before
    assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 3, 19)


def test_a_row_left_with_an_early_end_after_its_period_still_closes_the_day_after_the_period(world):
    project = world.project
    # The state the old hole left behind: an early end of use a month past the period's end.
    Project.objects.filter(pk=project.pk).update(
        period_end=dt.date(2027, 1, 29), ends_on=dt.date(2027, 2, 26)
    )

    assert world.close_job_on(dt.date(2027, 1, 29)) == "close_ended_projects: handled=0"
    assert world.close_job_on(dt.date(2027, 1, 30)) == "close_ended_projects: handled=1"
    project.refresh_from_db()
    assert (project.status, project.closed_reason) == (ProjectStatus.CLOSED, "工期終了")


def test_a_period_ending_before_the_scheduled_start_of_use_is_refused_when_filed(client, time_machine):
    time_machine.move_to(jst(2026, 11, 10), tick=False)
    project, _accounts = registered()
    project_start_use(project=project, starts_on=dt.date(2027, 1, 15), actor=Actor.system("test"))
    _staff, secret = staff_token()
    world = ApiWorld(project=project, client=client, headers=bearer(secret), clock=time_machine)
    before = (registration(project), ChangeRequest.objects.count(), ChangeItem.objects.count())

    refused = world.file({"field": "period_end", "value": "2027-01-10"})

    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["field"], error["label"]) == ("items[1].value", "工期（終了日）")
    assert "利用開始予定日（2027-01-15）より前" in error["message"]
    assert (registration(project), ChangeRequest.objects.count(), ChangeItem.objects.count()) == before
