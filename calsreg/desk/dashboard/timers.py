"""The per-step timers: how many business hours each step of an application or change request took,
and how long the current one has been running (``core.business_hours``).

Steps follow the seed: an application is received (step 2), confirmed (steps 3–4), registered
(step 5) and in service (step 6); a change request is received (7), verified by a call-back (8) and
applied (9). The step timestamps are columns of the aggregates, so no query is needed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calsreg.applications.models import Application
from calsreg.applications.states import Status
from calsreg.changes.models import ChangeRequest, ChangeStatus
from calsreg.core.business_hours import business_hours_between, format_business_hours

# (key, label, start field, end field)
APPLICATION_STEPS: tuple[tuple[str, Promise, str, str], ...] = (
    ("received_confirmed", _("受付 → 確認完了"), "submitted_at", "confirmed_at"),
    ("confirmed_registered", _("確認完了 → 登録"), "confirmed_at", "registered_at"),
    ("registered_in_service", _("登録 → 利用開始"), "registered_at", "in_service_at"),
)
CHANGE_STEPS: tuple[tuple[str, Promise, str, str], ...] = (
    ("received_verified", _("受付 → 本人確認"), "submitted_at", "verified_at"),
    ("verified_applied", _("本人確認 → 反映"), "verified_at", "applied_at"),
)
# The step a case in each working state is in (the status decides, not which timestamps are set:
# rows older than the timestamps have none). States not listed are finished: nothing runs.
APPLICATION_RUNNING_STEP: dict[str, int] = {
    Status.SUBMITTED: 0,
    Status.AWAITING_CONFIRMATION: 0,
    Status.RETURNED: 0,
    Status.CONFIRMED: 1,
    Status.REGISTERED: 2,
}
CHANGE_RUNNING_STEP: dict[str, int] = {ChangeStatus.SUBMITTED: 0, ChangeStatus.VERIFIED: 1}


@dataclass(frozen=True)
class StepTimer:
    key: str
    label: Promise | str
    started_at: datetime | None
    ended_at: datetime | None
    running: bool  # the current step: counted up to now
    hours: float | None  # None: not reached (or left unfinished when the case closed)

    @property
    def duration(self) -> str:
        return format_business_hours(self.hours) if self.hours is not None else ""


def _timers(
    subject: object,
    steps: tuple[tuple[str, Promise, str, str], ...],
    *,
    running_step: int | None,
    now: datetime,
) -> list[StepTimer]:
    timers = []
    for index, (key, label, start_field, end_field) in enumerate(steps):
        started_at, ended_at = getattr(subject, start_field), getattr(subject, end_field)
        running = index == running_step
        if started_at is not None and (ended_at is not None or running):
            hours: float | None = business_hours_between(started_at, ended_at if not running else now)
        else:
            hours = None
        timers.append(StepTimer(key, label, started_at, ended_at, running, hours))
    return timers


def application_step_timers(application: Application, *, now: datetime) -> list[StepTimer]:
    """One timer per step, received → confirmed → registered → in service."""
    running_step = APPLICATION_RUNNING_STEP.get(application.status)
    return _timers(application, APPLICATION_STEPS, running_step=running_step, now=now)


def change_request_step_timers(change_request: ChangeRequest, *, now: datetime) -> list[StepTimer]:
    """One timer per step, received → verified → applied."""
    running_step = CHANGE_RUNNING_STEP.get(change_request.status)
    return _timers(change_request, CHANGE_STEPS, running_step=running_step, now=now)


def current_step(timers: list[StepTimer]) -> StepTimer | None:
    """The running step (the case is open and waits on the desk or on someone else in that step)."""
    return next((timer for timer in timers if timer.running), None)
