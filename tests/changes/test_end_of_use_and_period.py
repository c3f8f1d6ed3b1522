"""An early end of use and a shorter construction period, filed and applied through the staff API.

The hole: the period was written by the changes app itself, so a period ending before an early end
already set was applied, and the project stayed open a month past its works. Now every period goes
through ``accounts.project_details_change``, which keeps the early end inside the period; the
project closes on the right day (the daily job ``close_ended_projects``).

The project of ``tests.accounts.helpers.started()``: works 2026-12-01..2027-03-19, in use since
2026-11-10. Requests are filed on 2026-12-10.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.applications.models import Application
from calsreg.changes.models import ChangeRequest, ChangeStatus
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import started
from tests.api.helpers import bearer, staff_token
from tests.billing.invoice_helpers import jst
from tests.changes.callback_helpers import call_back

pytestmark = pytest.mark.django_db

EARLY_END = {"field": "end_of_use", "value": "2027-02-26"}
SHORTER_PERIOD = {"field": "period_end", "value": "2027-01-29"}


@pytest.fixture
def world(client, time_machine: time_machine.TimeMachineFixture) -> dict[str, Any]:
    time_machine.move_to(jst(2026, 11, 10), tick=False)
    project, _accounts = started()
    time_machine.move_to(jst(2026, 12, 10), tick=False)
    _staff, secret = staff_token()
    return {"project": project, "headers": bearer(secret), "client": client, "clock": time_machine}


def _file(world: dict[str, Any], *items: dict[str, Any]):
    payload = {
        "project_id": world["project"].pk,
        "requester_name": "田中 一郎",
        "requester_phone": "090-1234-5678",
        "reason": "工期の変更契約のため",
        "items": list(items),
    }
    return world["client"].post(
        "/api/changes", json.dumps(payload), content_type="application/json", **world["headers"]
    )


def _filed(world: dict[str, Any], *items: dict[str, Any]) -> ChangeRequest:
    response = _file(world, *items)
    assert response.status_code == 201, response.json()
    return ChangeRequest.objects.get(number=response.json()["number"])


def _verify_and_apply(world: dict[str, Any], change: ChangeRequest) -> dict[str, Any]:
    call_back(change, actor=_desk(), contact="applicant", note="申込担当者本人に確認")
    change.refresh_from_db()
    assert change.status == ChangeStatus.VERIFIED
    response = world["client"].post(
        f"/api/staff/changes/{change.number}/apply", "{}", content_type="application/json", **world["headers"]
    )
    assert response.status_code == 200, response.json()
    return response.json()


def _desk():
    from calsreg.records.services import Actor
    from tests.factories import UserFactory

    return Actor.staff(UserFactory(role="help_desk"))


def _registration(project: Project) -> dict[str, Any]:
    return {
        "project": Project.objects.filter(pk=project.pk).values().get(),
        "application": Application.objects.filter(pk=project.application_id).values().get(),
        "period_audits": AuditEvent.objects.filter(
            action="registration.field_changed", data__field__in=["period_start", "period_end"]
        ).count(),
    }


def _close_job_on(world: dict[str, Any], day: dt.date) -> str:
    world["clock"].move_to(jst(day.year, day.month, day.day, 3), tick=False)
    out = io.StringIO()
    call_command("run_daily_jobs", stdout=out)
    return next(line for line in out.getvalue().splitlines() if line.startswith("close_ended_projects"))


def test_a_shorter_period_filed_before_an_early_end_is_refused_when_applied_after_it(world):
    project = world["project"]
    early_end = _filed(world, EARLY_END)
    shorter = _filed(world, SHORTER_PERIOD)  # filed while no early end was set: valid then
    _verify_and_apply(world, early_end)
    assert Project.objects.get(pk=project.pk).ends_on == dt.date(2027, 2, 26)
    before = _registration(project)

    applied = _verify_and_apply(world, shorter)

    # The request is done, its period item refused with the reason; the project is as it was.
    (item,) = applied["items"]
    assert (applied["status"], item["field"], item["applied_at"]) == ("applied", "period_end", None)
    assert item["outcome"] == (
        "反映できませんでした：工期（終了日）: 工期を2026-12-01〜2027-01-29にすると、すでに決まっている"
        "利用終了日（2027-02-26）が工期の外になります。利用終了日（早期終了）も工期内の日付に変更してください。"
    )
    assert _registration(project) == before
    project.refresh_from_db()
    assert (project.period_end, project.ends_on, project.last_day_of_use) == (
        dt.date(2027, 3, 19),
        dt.date(2027, 2, 26),
        dt.date(2027, 2, 26),
    )
    result = Delivery.objects.get(kind="change_request_result", subject_id=shorter.pk)
    assert (result.context["applied"], len(result.context["not_applied"])) == ([], 1)
    # The project is in use through its early end and closes the day after, not a month later.
    assert _close_job_on(world, dt.date(2027, 2, 26)) == "close_ended_projects: handled=0"
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.ACTIVE
    assert _close_job_on(world, dt.date(2027, 2, 27)) == "close_ended_projects: handled=1"
    project.refresh_from_db()
    assert (project.status, project.closed_reason) == (ProjectStatus.CLOSED, "早期終了")


def test_a_shorter_period_than_the_early_end_already_set_is_refused_when_filed(world):
    project = world["project"]
    _verify_and_apply(world, _filed(world, EARLY_END))
    requests, deliveries = ChangeRequest.objects.count(), Delivery.objects.count()
    before = _registration(project)

    refused = _file(world, SHORTER_PERIOD)

    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(error["field"], error["label"]) for error in errors] == [("items[1].value", "工期（終了日）")]
    assert "利用終了日（2027-02-26）が工期の外になります" in errors[0]["message"]
    assert (ChangeRequest.objects.count(), Delivery.objects.count()) == (requests, deliveries)
    assert _registration(project) == before


def test_an_early_end_after_a_period_already_shortened_is_refused_when_applied(world):
    project = world["project"]
    shorter = _filed(world, SHORTER_PERIOD)
    early_end = _filed(world, EARLY_END)  # filed while the period still ran to 2027-03-19
    _verify_and_apply(world, shorter)
    assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 1, 29)
    before = _registration(project)

    applied = _verify_and_apply(world, early_end)

    (item,) = applied["items"]
    assert (item["field"], item["applied_at"]) == ("end_of_use", None)
    assert "利用終了予定日は工期（2026-12-01〜2027-01-29）の範囲で指定してください" in item["outcome"]
    assert _registration(project) == before
    assert Project.objects.get(pk=project.pk).ends_on is None
    assert _close_job_on(world, dt.date(2027, 1, 29)) == "close_ended_projects: handled=0"
    assert _close_job_on(world, dt.date(2027, 1, 30)) == "close_ended_projects: handled=1"
    project.refresh_from_db()
    assert (project.status, project.closed_reason) == (ProjectStatus.CLOSED, "工期終了")


def test_one_request_moving_the_early_end_and_shortening_the_period_applies_both(world):
    project = world["project"]
    _verify_and_apply(world, _filed(world, EARLY_END))

    applied = _verify_and_apply(
        world, _filed(world, SHORTER_PERIOD, {"field": "end_of_use", "value": "2027-01-20"})
    )

    assert [item["applied_at"] is not None for item in applied["items"]] == [True, True]
    project.refresh_from_db()
    assert (project.period_end, project.ends_on) == (dt.date(2027, 1, 29), dt.date(2027, 1, 20))
    assert _close_job_on(world, dt.date(2027, 1, 21)) == "close_ended_projects: handled=1"
