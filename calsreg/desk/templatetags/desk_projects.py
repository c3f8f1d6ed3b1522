"""The state the desk shows for an application: its project's once the project is suspended or
closed (the application's own status stays 利用中), from ``with_project_state``'s annotations."""

from __future__ import annotations

from typing import Any

from django import template

from calsreg.accounts.models import ProjectStatus

register = template.Library()

# Project states that the application's status does not tell.
PROJECT_STATES_SHOWN = frozenset({ProjectStatus.SUSPENDED, ProjectStatus.CLOSED})


@register.inclusion_tag("desk/projects/_state_badge.html")
def application_state_badge(
    application: Any, project_status: str | None = None, big: bool = False
) -> dict[str, Any]:
    status = project_status or getattr(application, "project_status", None)
    if status in PROJECT_STATES_SHOWN:
        return {"css": f"project-{status}", "label": ProjectStatus(status).label, "big": big}
    return {"css": application.status, "label": application.get_status_display(), "big": big}
