"""One account as the desk sees it: its projects, its last sign-ins, whether it is locked out, the
mails sent to it, and a timeline merging its audit rows, its sign-ins at the relying parties and the
logouts sent for it. Eight queries whatever the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q

from calsreg.accounts.models import ACCOUNT_ROLES, Membership, MembershipRole, Project, User
from calsreg.accounts.selectors import account_projects
from calsreg.applications.models import Application
from calsreg.desk.projects.locks import locked_until
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.selectors import audit_timeline
from calsreg.sso.models import LogoutDelivery, SignIn


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "audit", "sign_in", "logout": which template fragment shows it
    item: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountPage:
    account: User
    projects: list[Project]
    timeline: list[TimelineEntry]
    locked_until: datetime | None  # refused at sign-in until then (from some address or everywhere)
    last_party_sign_in: SignIn | None  # the latest sign-in at a relying party
    mails: list[Delivery]  # newest first: kind, recipient, status, times — never a body


def account_page(*, pk: int, now: datetime) -> AccountPage | None:
    account = User.objects.filter(pk=pk, role__in=ACCOUNT_ROLES).first()
    if account is None:
        return None
    projects = list(account_projects(user=account))
    roles = dict(MembershipRole.choices)
    for project in projects:
        project.member_role_label = roles.get(project.member_role, "")  # type: ignore[attr-defined]
    sign_ins = list(SignIn.objects.filter(user=account).select_related("application"))
    return AccountPage(
        account=account,
        projects=projects,
        timeline=_timeline(account, sign_ins),
        locked_until=locked_until(usernames=[account.username], at=now).get(account.username),
        last_party_sign_in=max(sign_ins, key=lambda row: row.signed_in_at, default=None),
        mails=_mails(account),
    )


def _mails(account: User) -> list[Delivery]:
    """The mails about this account and those sent to its address (a project's notices to it)."""
    about = Q(subject_type="user", subject_id=account.pk)
    if account.email:
        about |= Q(to_address=account.email)
    return list(Delivery.objects.filter(about).defer("context").order_by("-created_at", "-pk"))


def application_accounts(*, application: Application) -> list[User]:
    """The accounts of the project registered from ``application`` (none before registration), in
    membership order, each with ``member_role``: one query (the memberships with their users; a user's
    first membership gives the role, as two correlated subqueries did at several times the cost)."""
    memberships = (
        Membership.objects.filter(project__application=application).select_related("user").order_by("pk")
    )
    accounts: dict[int, User] = {}
    for membership in memberships:
        if membership.user_id not in accounts:
            account = membership.user
            account.member_role = membership.role  # type: ignore[attr-defined]
            account.membership_id = membership.pk  # type: ignore[attr-defined]
            accounts[membership.user_id] = account
    return list(accounts.values())


def _timeline(account: User, sign_ins: list[SignIn]) -> list[TimelineEntry]:
    audits: list[AuditEvent] = list(audit_timeline(subject=account))
    logouts = list(LogoutDelivery.objects.filter(user=account).select_related("application", "event"))
    # Each logout token names the sign-in it ended: its event is why that sign-in ended.
    ended_by = {logout.sign_in_id: logout.event for logout in logouts if logout.sign_in_id}
    entries = [TimelineEntry(at=row.at, kind="audit", item=row) for row in audits]
    entries += [
        TimelineEntry(
            at=row.signed_in_at,
            kind="sign_in",
            item=row,
            extra={"ended_by": ended_by.get(row.pk)},
        )
        for row in sign_ins
    ]
    entries += [TimelineEntry(at=row.created_at, kind="logout", item=row) for row in logouts]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)
