"""Reads for "my work": the open applications and change requests an operator is in charge of, the
unassigned ones, and the operators work can be given to. Only reads: assigning goes through
``applications.services.application_assign`` and ``changes.services.change_request_assign``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.models import Role, User
from calsreg.applications.models import Application
from calsreg.applications.services.assignment import ASSIGNABLE_STATUSES
from calsreg.applications.states import Status
from calsreg.changes.models import OPEN_STATUSES as CHANGE_OPEN_STATUSES
from calsreg.changes.models import ChangeRequest, ChangeStatus
from calsreg.desk.dashboard.timers import (
    StepTimer,
    application_step_timers,
    change_request_step_timers,
    current_step,
)

# What the operator in charge does next, by the case's state.
APPLICATION_NEXT: dict[str, Promise] = {
    Status.SUBMITTED: _("内容を確かめ、監督員に確認依頼を送る"),
    Status.AWAITING_CONFIRMATION: _("監督員の回答を待ち、電話で確認して記録する"),
    Status.CONFIRMED: _("登録する（IDを作成し通知する）"),
    Status.REGISTERED: _("利用を開始する"),
    Status.RETURNED: _("申込者の訂正を待つ"),
}
CHANGE_NEXT: dict[str, Promise] = {
    ChangeStatus.SUBMITTED: _("登録済みの連絡先に電話して本人確認する"),
    ChangeStatus.VERIFIED: _("変更を反映する（または不承認にする）"),
}
UNASSIGNED_LIMIT = 50  # oldest unassigned cases of each kind listed for taking
MY_WORK_LIMIT = 200  # an operator with more sees the oldest of each kind and is told there are more


@dataclass(frozen=True)
class WorkItem:
    kind: str  # "application" | "change_request"
    pk: int
    number: str
    title: str
    status: str
    status_label: Promise | str
    received_at: datetime
    step: StepTimer | None
    url: str
    assigned_to: Any  # User | None
    next_action: Promise | str = ""


def desk_operators() -> QuerySet[User]:
    """Users who may be put in charge of a case: active help-desk users and administrators."""
    return User.objects.filter(is_active=True, role__in=[Role.HELP_DESK, Role.ADMINISTRATOR]).order_by(
        "display_name", "username"
    )


def _application_item(application: Application, *, now: datetime) -> WorkItem:
    return WorkItem(
        kind="application",
        pk=application.pk,
        number=application.receipt_number,
        title=application.project_name,
        status=application.status,
        status_label=application.get_status_display(),
        received_at=application.submitted_at,
        step=current_step(application_step_timers(application, now=now)),
        url=reverse("desk:application_detail", args=[application.pk]),
        assigned_to=application.assigned_to,
        next_action=APPLICATION_NEXT.get(application.status, ""),
    )


def _change_request_item(change_request: ChangeRequest, *, now: datetime) -> WorkItem:
    return WorkItem(
        kind="change_request",
        pk=change_request.pk,
        number=change_request.number,
        title=change_request.project.name,
        status=change_request.status,
        status_label=change_request.get_status_display(),
        received_at=change_request.submitted_at,
        step=current_step(change_request_step_timers(change_request, now=now)),
        url=reverse("desk:change_detail", args=[change_request.pk]),
        assigned_to=change_request.assigned_to,
        next_action=CHANGE_NEXT.get(change_request.status, ""),
    )


_APPLICATION_FIELDS = (
    "id",
    "receipt_number",
    "project_name",
    "status",
    "submitted_at",
    "confirmed_at",
    "registered_at",
    "in_service_at",
    "assigned_to",
)
_CHANGE_FIELDS = (
    "id",
    "number",
    "project__name",
    "status",
    "submitted_at",
    "verified_at",
    "applied_at",
    "assigned_to",
)


def _open_applications() -> QuerySet[Application]:
    return (
        Application.objects.filter(status__in=ASSIGNABLE_STATUSES)
        .select_related("assigned_to")
        .only(*_APPLICATION_FIELDS, "assigned_to__username", "assigned_to__display_name")
    )


def _open_change_requests() -> QuerySet[ChangeRequest]:
    return (
        ChangeRequest.objects.filter(status__in=CHANGE_OPEN_STATUSES)
        .select_related("project", "assigned_to")
        .only(*_CHANGE_FIELDS, "assigned_to__username", "assigned_to__display_name")
    )


# Oldest first, by an expression on purpose: ordered by the bare column, PostgreSQL walks the whole
# ``submitted_at`` index from the oldest (finished) cases looking for open ones (115 ms at 100,000
# applications); by the expression it takes the few open ones through the (assigned_to, status)
# index and sorts them (3.5 ms). ``submitted_at`` is never null, so the order is the same.
_OLDEST_FIRST = (Coalesce("submitted_at", "created_at"), "id")


@dataclass(frozen=True)
class WorkList:
    items: list[WorkItem]
    more: bool  # more cases than listed (each kind is cut at its limit, oldest kept)


def _listed(
    applications: QuerySet[Application], changes: QuerySet[ChangeRequest], *, limit: int, now: datetime
) -> WorkList:
    """The ``limit`` oldest of each kind, merged oldest first; one more row of each is read to know
    whether there are more, so no count query is needed."""
    first_applications = list(applications.order_by(*_OLDEST_FIRST)[: limit + 1])
    first_changes = list(changes.order_by(*_OLDEST_FIRST)[: limit + 1])
    items = [_application_item(a, now=now) for a in first_applications[:limit]]
    items += [_change_request_item(c, now=now) for c in first_changes[:limit]]
    more = len(first_applications) > limit or len(first_changes) > limit
    return WorkList(items=sorted(items, key=lambda item: (item.received_at, item.kind, item.pk)), more=more)


def my_work(*, operator: User, now: datetime, limit: int = MY_WORK_LIMIT) -> WorkList:
    """The open cases ``operator`` is in charge of, oldest received first (two queries)."""
    return _listed(
        _open_applications().filter(assigned_to=operator),
        _open_change_requests().filter(assigned_to=operator),
        limit=limit,
        now=now,
    )


@dataclass(frozen=True)
class UnassignedCounts:
    applications: int
    change_requests: int

    @property
    def total(self) -> int:
        return self.applications + self.change_requests


def unassigned_counts() -> UnassignedCounts:
    """Open cases nobody is in charge of (two counts)."""
    return UnassignedCounts(
        applications=Application.objects.filter(
            status__in=ASSIGNABLE_STATUSES, assigned_to__isnull=True
        ).count(),
        change_requests=ChangeRequest.objects.filter(
            status__in=CHANGE_OPEN_STATUSES, assigned_to__isnull=True
        ).count(),
    )


def unassigned_work(*, now: datetime, limit: int = UNASSIGNED_LIMIT) -> WorkList:
    """The ``limit`` oldest unassigned open applications and change requests each (two queries)."""
    return _listed(
        _open_applications().filter(assigned_to__isnull=True),
        _open_change_requests().filter(assigned_to__isnull=True),
        limit=limit,
        now=now,
    )
