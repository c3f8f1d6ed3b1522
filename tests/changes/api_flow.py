"""A change request's whole way through the staff API, for the tests that attack what applying does:
file (``POST /api/changes``), call back the applicant on file, apply (``POST …/apply``), and the
daily job that closes projects. The project is ``tests.accounts.helpers.started()``'s (works
2026-12-01..2027-03-19, in use since 2026-11-10); requests are filed on 2026-12-10."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import time_machine
from django.core.management import call_command
from django.test import Client

from calsreg.accounts.models import Project
from calsreg.applications.models import Application
from calsreg.changes.models import ChangeRequest, ChangeStatus
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.api.helpers import bearer, staff_token
from tests.billing.invoice_helpers import jst
from tests.changes.callback_helpers import call_back
from tests.factories import UserFactory


@dataclass
class ApiWorld:
    project: Project
    client: Client
    headers: dict[str, str]
    clock: time_machine.TimeMachineFixture

    def file(self, *items: dict[str, Any]) -> Any:
        payload = {
            "project_id": self.project.pk,
            "requester_name": "田中 一郎",
            "requester_phone": "090-1234-5678",
            "reason": "工期の変更契約のため",
            "items": list(items),
        }
        return self.client.post(
            "/api/changes", json.dumps(payload), content_type="application/json", **self.headers
        )

    def filed(self, *items: dict[str, Any]) -> ChangeRequest:
        response = self.file(*items)
        assert response.status_code == 201, response.json()
        return ChangeRequest.objects.get(number=response.json()["number"])

    def verify_and_apply(self, change: ChangeRequest) -> dict[str, Any]:
        """The applicant on file confirms every item on the call-back; the desk applies through the API."""
        call_back(change, actor=Actor.staff(UserFactory(role="help_desk")), contact="applicant")
        change.refresh_from_db()
        assert change.status == ChangeStatus.VERIFIED
        response = self.client.post(
            f"/api/staff/changes/{change.number}/apply", "{}", content_type="application/json", **self.headers
        )
        assert response.status_code == 200, response.json()
        return response.json()

    def close_job_on(self, day: dt.date) -> str:
        """Run the daily jobs early on ``day``; the line ``close_ended_projects: handled=N``."""
        self.clock.move_to(jst(day.year, day.month, day.day, 3), tick=False)
        out = io.StringIO()
        call_command("run_daily_jobs", stdout=out)
        return next(line for line in out.getvalue().splitlines() if line.startswith("close_ended_projects"))


def api_world(client: Client, clock: time_machine.TimeMachineFixture) -> ApiWorld:
    clock.move_to(jst(2026, 11, 10), tick=False)
    project, _accounts = started()
    clock.move_to(jst(2026, 12, 10), tick=False)
    _staff, secret = staff_token()
    return ApiWorld(project=project, client=client, headers=bearer(secret), clock=clock)


def registration(project: Project) -> dict[str, Any]:
    """The project's and its application's rows, and the field changes audited so far."""
    return {
        "project": Project.objects.filter(pk=project.pk).values().get(),
        "application": Application.objects.filter(pk=project.application_id).values().get(),
        "field_changes": AuditEvent.objects.filter(action="registration.field_changed").count(),
    }
