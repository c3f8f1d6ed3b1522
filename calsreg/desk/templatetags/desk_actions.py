"""The desk's action buttons for an account or a project: only those the services' rules allow now."""

from __future__ import annotations

from django import template

from calsreg.accounts.models import Project, User
from calsreg.desk.accounts.actions import account_actions_for
from calsreg.desk.project_actions.views import project_actions_for

register = template.Library()


@register.simple_tag
def account_actions(account: User) -> list[tuple[str, str]]:
    return account_actions_for(account)


@register.simple_tag
def project_actions(project: Project) -> list[tuple[str, str]]:
    return project_actions_for(project)
