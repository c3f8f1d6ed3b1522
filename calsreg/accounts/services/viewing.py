"""Staff opened an account's or a project's page: recorded like a view of an application
(security invariant 5: every staff view of personal data is audited)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project, User
from calsreg.records.services import Actor, audit_record


def account_viewed(*, account: User, actor: Actor) -> None:
    """Record that staff opened an account holder's page (name, contacts, sign-ins, mails)."""
    audit_record(
        actor=actor,
        action="account.viewed",
        subject=account,
        summary=gettext_noop("アカウントの情報（個人情報を含む）を閲覧しました。"),
    )


def project_viewed(*, project: Project, actor: Actor) -> None:
    """Record that staff opened a project's page (its members and their accounts)."""
    audit_record(
        actor=actor,
        action="project.viewed",
        subject=project,
        summary=gettext_noop("工事の情報（メンバーの個人情報を含む）を閲覧しました。"),
    )
