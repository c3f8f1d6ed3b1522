"""Reads of the accounts app: projects and their accounts, for my page, the desk and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from calsreg.accounts.access import account_login_refusal
from calsreg.accounts.address_locks import LockedAddress, address_locks_current
from calsreg.accounts.lockout import id_locks, pair_cool_off, pair_locks
from calsreg.accounts.models import Membership, Project, User
from calsreg.applications.models import Application
from calsreg.records.models import Evidence
from calsreg.records.selectors import evidence_for

__all__ = [
    "LockedAddress",
    "LockedLogin",
    "account_login_refusal",
    "account_personal_data",
    "account_projects",
    "login_address_locks_current",
    "login_locks_current",
    "project_accounts",
    "project_evidence",
    "project_for_application",
]


def account_projects(*, user: User) -> QuerySet[Project]:
    """The projects ``user`` is a member of (newest first), each with ``member_role`` — my page's list.

    ``status`` / ``get_status_display()`` give the state shown beside each.
    """
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Project.objects.filter(memberships__user=user, memberships__active=True)
        .select_related("office")
        .annotate(member_role=Subquery(role))
        .order_by("-created_at", "-id")
    )


def project_accounts(*, project: Project) -> QuerySet[User]:
    """The project's accounts in membership order, each with ``member_role``."""
    membership = Membership.objects.filter(project=project, user=OuterRef("pk"))
    return (
        User.objects.filter(memberships__project=project)
        .annotate(
            member_role=Subquery(membership.values("role")[:1]),
            membership_id=Subquery(membership.values("pk")[:1]),
        )
        .order_by("membership_id")
    )


def project_for_application(*, application: Application) -> Project | None:
    return Project.objects.select_related("office").filter(application=application).first()


def project_evidence(*, project: Project) -> QuerySet[Evidence]:
    """The project's evidence: the application form and the supervisor's reply, kept on the
    application it was registered from (seed step 4)."""
    return evidence_for(subject=Application(pk=project.application_id))


@dataclass(frozen=True)
class LockedLogin:
    """An ID refused at sign-in now: from some addresses (``addresses``: address → until) or from
    everywhere (``id_wide_until``). ``account`` is None for an ID nobody holds (it locks nobody out)."""

    username: str
    account: User | None
    addresses: dict[str, datetime]
    id_wide_until: datetime | None


def login_locks_current(*, at: datetime, username: str | None = None) -> list[LockedLogin]:
    """Every ID locked at ``at`` (or only ``username``), by ID (accounts/lockout.py)."""
    filters = {"username": username} if username is not None else {}
    addresses: dict[str, dict[str, datetime]] = {}
    for row in pair_locks(at=at, **filters):
        addresses.setdefault(row["username"] or "", {})[row["ip_address"] or ""] = (
            row["last"] + pair_cool_off()
        )
    id_wide = {row.username: row.locked_until for row in id_locks(at=at, **filters)}
    usernames = sorted(addresses.keys() | id_wide.keys())
    accounts = {user.username: user for user in User.objects.filter(username__in=usernames)}
    return [
        LockedLogin(
            username=name,
            account=accounts.get(name),
            addresses=addresses.get(name, {}),
            id_wide_until=id_wide.get(name),
        )
        for name in usernames
    ]


def login_address_locks_current(*, at: datetime) -> list[LockedAddress]:
    """Every client address refused at every login at ``at`` (password spraying), by address."""
    return address_locks_current(at=at)


def account_personal_data(*, user: User) -> dict[str, Any]:
    """What the accounts app holds on an account holder, for a disclosure (個人情報保護法 第33条)."""
    return {
        "role": "account",
        "account_id": user.username,
        "name": user.display_name,
        "kana": user.kana,
        "email": user.email,
        "phone": user.phone,
        "state": user.state,
        "activated_at": _iso(user.activated_at),
        "last_login": _iso(user.last_login),
        "projects": [
            {
                "project_number": m.project.project_number,
                "project_name": m.project.name,
                "role": m.role,
                "active": m.active,
            }
            for m in Membership.objects.filter(user=user).select_related("project").order_by("pk")
        ],
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
