"""Start of use only within the construction period (``start_day_check``): at most 30 days before it
starts, never after the last day of use. The desk's button and the API refuse the rest with the field
named, and the project, its accounts, its mails and the audit trail stay as they were."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Project, Role, User
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import registered
from tests.api.helpers import bearer, staff_token
from tests.desk.helpers import preview_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
# The builders' construction period is 2026-12-01 – 2027-03-19: use may start from 2026-11-01.
TOO_LATE = "利用開始日（{day}）が利用終了日（{last}）より後です。工期内の日にするか、先に工期の変更を受け付けてください。"
TOO_EARLY = (
    "利用開始日（{day}）が早すぎます。工期の始まり（2026-12-01）の30日前（2026-11-01）から指定できます。"
)


def _at(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(10), tzinfo=JST)


def _state(project: Project) -> dict[str, Any]:
    """Everything a refused start of use must leave as it was."""
    project.refresh_from_db()
    return {
        "project": (project.status, project.service_starts_on, project.started_at, project.ends_on),
        "application": project.application.status,
        "accounts": sorted(
            User.objects.filter(memberships__project=project).values_list("username", "state")
        ),
        "deliveries": Delivery.objects.count(),
        "tasks": DBTaskResult.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def _desk_start(client, project: Project, starts_on: str | None) -> list[str]:
    """The desk's start-of-use button as the help desk presses it; returns the page messages."""
    client.force_login(UserFactory(role=Role.HELP_DESK))
    body = {"when": "date", "starts_on": starts_on} if starts_on else {"when": "now"}
    url = reverse("desk:project_start_use", args=[project.application_id])
    response = client.post(url, body)
    if response.status_code == 200:  # the preview: confirmed as shown (a refusal redirects at once)
        response = client.post(url, {**body, "confirmed": "1", "preview": preview_token(response)})
    assert response.status_code == 302
    return [str(message) for message in response.wsgi_request._messages]


@pytest.mark.parametrize(
    ("today", "starts_on", "message"),
    [
        ("2026-11-20", "9999-12-31", TOO_LATE.format(day="9999-12-31", last="2027-03-19")),
        ("2026-11-20", "2027-03-20", TOO_LATE.format(day="2027-03-20", last="2027-03-19")),
        ("2027-03-20", None, TOO_LATE.format(day="今日 2027-03-20", last="2027-03-19")),
        ("2026-10-15", "2026-10-31", TOO_EARLY.format(day="2026-10-31")),
        ("2026-10-31", None, TOO_EARLY.format(day="今日 2026-10-31")),
    ],
    ids=[
        "9999-12-31",
        "day-after-the-period",
        "now-after-the-period",
        "scheduled-too-early",
        "now-too-early",
    ],
)
def test_the_desk_refuses_a_start_outside_the_period_and_changes_nothing(client, today, starts_on, message):
    with time_machine.travel(_at(today), tick=False):
        project, _accounts = registered()
        before = _state(project)

        messages = _desk_start(client, project, starts_on)

        assert messages == [f"利用開始日: {message}"]
        assert _state(project) == before


def test_a_start_after_an_early_end_is_refused(client):
    with time_machine.travel(_at("2026-11-20"), tick=False):
        project, _accounts = registered()
        Project.objects.filter(pk=project.pk).update(ends_on=dt.date(2027, 1, 31))
        before = _state(project)

        messages = _desk_start(client, project, "2027-02-01")

        assert messages == [f"利用開始日: {TOO_LATE.format(day='2027-02-01', last='2027-01-31')}"]
        assert _state(project) == before


SCHEDULED = "利用開始日を予約しました。当日に利用開始のお知らせを送ります。"
STARTED = "利用を開始しました。関係者に利用開始のお知らせを送ります。"


@pytest.mark.parametrize(
    ("today", "starts_on", "expected", "message"),
    [
        ("2026-10-15", "2026-11-01", ("provisioned", dt.date(2026, 11, 1)), SCHEDULED),
        ("2026-11-20", "2027-03-19", ("provisioned", dt.date(2027, 3, 19)), SCHEDULED),
        ("2026-11-01", None, ("active", None), STARTED),
        ("2027-03-19", None, ("active", None), STARTED),
    ],
    ids=["scheduled-first-day", "scheduled-last-day", "now-first-day", "now-last-day"],
)
def test_the_first_and_last_days_allowed_are_accepted(client, today, starts_on, expected, message):
    with time_machine.travel(_at(today), tick=False):
        project, _accounts = registered()

        messages = _desk_start(client, project, starts_on)

    project.refresh_from_db()
    assert (project.status, project.service_starts_on) == expected
    assert messages[0] == message  # (no fee plan here: a billing warning may follow, tests/billing)


@pytest.mark.parametrize(
    ("starts_on", "message"),
    [
        ("9999-12-31", TOO_LATE.format(day="9999-12-31", last="2027-03-19")),
        ("2026-10-31", TOO_EARLY.format(day="2026-10-31")),
    ],
    ids=["9999-12-31", "too-early"],
)
def test_the_api_refuses_a_start_outside_the_period_with_422_and_changes_nothing(client, starts_on, message):
    today = "2026-11-20" if starts_on.startswith("9999") else "2026-10-01"
    with time_machine.travel(_at(today), tick=False):
        project, _accounts = registered()
        _user, secret = staff_token(role=Role.HELP_DESK)
        before = _state(project)

        response = client.post(
            f"/api/staff/applications/{project.application.receipt_number}/start-use",
            {"starts_on": starts_on},
            content_type="application/json",
            **bearer(secret),
        )

        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "starts_on", "label": "利用開始日", "message": message}
        ]
        assert _state(project) == before
