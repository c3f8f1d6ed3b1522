"""An early end of use and a shorter construction period, filed and applied through the staff API.

The hole: the period was written by the changes app itself, so a period ending before an early end
already set was applied, and the project stayed open a month past its works. Now every period goes
through ``accounts.project_details_change``, which keeps the early end inside the period; the
project closes on the right day (the daily job ``close_ended_projects``).

The project: works 2026-12-01..2027-03-19, in use; requests filed on 2026-12-10 (``api_flow``).
"""

from __future__ import annotations

import datetime as dt

import pytest

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.changes.models import ChangeRequest
from calsreg.notifications.models import Delivery
from tests.changes.api_flow import ApiWorld, api_world, registration

pytestmark = pytest.mark.django_db

EARLY_END = {"field": "end_of_use", "value": "2027-02-26"}
SHORTER_PERIOD = {"field": "period_end", "value": "2027-01-29"}


@pytest.fixture
def world(client, time_machine) -> ApiWorld:
    return api_world(client, time_machine)


def test_a_shorter_period_filed_before_an_early_end_is_refused_when_applied_after_it(world):
    project = world.project
    early_end = world.filed(EARLY_END)
    shorter = world.filed(SHORTER_PERIOD)  # filed while no early end was set: valid then
    world.verify_and_apply(early_end)
    assert Project.objects.get(pk=project.pk).ends_on == dt.date(2027, 2, 26)
    before = registration(project)

    applied = world.verify_and_apply(shorter)

    # The request is done, its period item refused with the reason; the project is as it was.
    (item,) = applied["items"]
    assert (applied["status"], item["field"], item["applied_at"]) == ("applied", "period_end", None)
    assert item["outcome"] == (
        "反映できませんでした：工期（終了日）: 工期を2026-12-01〜2027-01-29にすると、すでに決まっている"
        "利用終了日（2027-02-26）が工期の外になります。利用終了日（早期終了）も工期内の日付に変更してください。"
    )
    assert registration(project) == before
    project.refresh_from_db()
    assert (project.period_end, project.ends_on, project.last_day_of_use) == (
        dt.date(2027, 3, 19),
        dt.date(2027, 2, 26),
        dt.date(2027, 2, 26),
    )
    result = Delivery.objects.get(kind="change_request_result", subject_id=shorter.pk)
    assert (result.context["applied"], len(result.context["not_applied"])) == ([], 1)
    # The project is in use through its early end and closes the day after, not a month later.
    assert world.close_job_on(dt.date(2027, 2, 26)) == "close_ended_projects: handled=0"
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ACTIVE
    assert world.close_job_on(dt.date(2027, 2, 27)) == "close_ended_projects: handled=1"
    project.refresh_from_db()
    assert (project.status, project.closed_reason) == (ProjectStatus.CLOSED, "早期終了")


def test_a_shorter_period_than_the_early_end_already_set_is_refused_when_filed(world):
    project = world.project
    world.verify_and_apply(world.filed(EARLY_END))
    requests, deliveries = ChangeRequest.objects.count(), Delivery.objects.count()
    before = registration(project)

    refused = world.file(SHORTER_PERIOD)

    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(error["field"], error["label"]) for error in errors] == [("items[1].value", "工期（終了日）")]
    assert "利用終了日（2027-02-26）が工期の外になります" in errors[0]["message"]
    assert (ChangeRequest.objects.count(), Delivery.objects.count()) == (requests, deliveries)
    assert registration(project) == before


def test_an_early_end_after_a_period_already_shortened_is_refused_when_applied(world):
    project = world.project
    shorter = world.filed(SHORTER_PERIOD)
    early_end = world.filed(EARLY_END)  # filed while the period still ran to 2027-03-19
    world.verify_and_apply(shorter)
    assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 1, 29)
    before = registration(project)

    applied = world.verify_and_apply(early_end)

    (item,) = applied["items"]
    assert (item["field"], item["applied_at"]) == ("end_of_use", None)
    assert "利用終了予定日は工期（2026-12-01〜2027-01-29）の範囲で指定してください" in item["outcome"]
    assert registration(project) == before
    assert Project.objects.get(pk=project.pk).ends_on is None
    assert world.close_job_on(dt.date(2027, 1, 29)) == "close_ended_projects: handled=0"
    assert world.close_job_on(dt.date(2027, 1, 30)) == "close_ended_projects: handled=1"
    project.refresh_from_db()
    assert (project.status, project.closed_reason) == (ProjectStatus.CLOSED, "工期終了")


def test_one_request_moving_the_early_end_and_shortening_the_period_applies_both(world):
    project = world.project
    world.verify_and_apply(world.filed(EARLY_END))

    applied = world.verify_and_apply(
        world.filed(SHORTER_PERIOD, {"field": "end_of_use", "value": "2027-01-20"})
    )

    assert [item["applied_at"] is not None for item in applied["items"]] == [True, True]
    project.refresh_from_db()
    assert (project.period_end, project.ends_on) == (dt.date(2027, 1, 29), dt.date(2027, 1, 20))
    assert world.close_job_on(dt.date(2027, 1, 21)) == "close_ended_projects: handled=1"
