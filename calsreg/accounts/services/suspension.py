"""Suspending a project's use and reinstating it (seed step 6: an invoice unpaid after its due date).

Billing decides when (its dunning rules); the project's state is written only here. While suspended
nobody can sign in to the project's accounts (``accounts.access``). The caller says why, in the
audit row's own terms: a ``gettext_noop`` message id and its parameters, shown translated later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.accounts.services.events import EventType, project_event
from calsreg.records.services import Actor, audit_record


@transaction.atomic
def project_suspend(
    *,
    project: Project,
    actor: Actor,
    at: datetime,
    summary: str,
    summary_params: Mapping[str, Any],
    data: Mapping[str, Any],
) -> Project:
    """Suspend an active project; return it. Raises ``InvalidTransition`` for any other state."""
    project = _locked(project.pk)
    project.transition_to(ProjectStatus.SUSPENDED)
    project.suspended_at = at
    project.save(update_fields=["status", "suspended_at", "updated_at"])
    project_event(type=EventType.PROJECT_SUSPENDED, project=project, at=at)
    audit_record(
        actor=actor,
        action="project.suspended",
        subject=project,
        at=at,
        summary=summary,
        summary_params=dict(summary_params),
        data=dict(data),
    )
    return project


@transaction.atomic
def project_reinstate(
    *,
    project: Project,
    actor: Actor,
    at: datetime,
    summary: str,
    summary_params: Mapping[str, Any],
    data: Mapping[str, Any],
) -> Project:
    """Reinstate a suspended project; return it. Raises ``InvalidTransition`` for any other state."""
    project = _locked(project.pk)
    project.transition_to(ProjectStatus.ACTIVE)
    project.suspended_at = None  # the audit trail keeps when it was suspended
    project.save(update_fields=["status", "suspended_at", "updated_at"])
    project_event(type=EventType.PROJECT_REINSTATED, project=project, at=at)
    audit_record(
        actor=actor,
        action="project.reinstated",
        subject=project,
        at=at,
        summary=summary,
        summary_params=dict(summary_params),
        data=dict(data),
    )
    return project


def _locked(project_id: int) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("application", "office")
        .get(pk=project_id)
    )
