"""Reads of the OpenID Connect provider: the subject of an account, the projects in its claims, the
relying parties."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from oauth2_provider.models import Application

from calsreg.accounts.models import Membership, MembershipRole, Project, ProjectStatus, User
from calsreg.sso.models import SignIn


def usable_projects(*, user: User) -> QuerySet[Project]:
    """The projects ``user`` may use now: an active membership of an active project."""
    role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Project.objects.filter(memberships__user=user, memberships__active=True, status=ProjectStatus.ACTIVE)
        .select_related("office")
        .annotate(member_role=Subquery(role))
        .order_by("started_at", "id")
    )


def project_claims(*, user: User) -> list[dict[str, Any]]:
    """The ``cals_projects`` claim: one entry per project ``user`` may use now."""
    roles = dict(MembershipRole.choices)
    return [
        {
            "project_number": project.project_number,
            "name": project.name,
            "orderer_office": project.office.name,
            "role": project.member_role,  # type: ignore[attr-defined]  # annotated above
            "role_label": str(roles.get(project.member_role, "")),  # type: ignore[attr-defined]
            "state": project.status,
            "service_start": _day(project.started_at),
            "service_end": project.last_day_of_use.isoformat(),
        }
        for project in usable_projects(user=user)
    ]


def _day(moment: datetime | None) -> str | None:
    return timezone.localdate(moment).isoformat() if moment else None


def subject_of(*, user: User) -> str:
    """The ``sub`` of ``user``: the account's own identifier, the same in every event about it."""
    return str(user.subject)


def sign_in_of(*, token_family: Any) -> SignIn | None:
    return SignIn.objects.filter(token_family=token_family).first() if token_family else None


def relying_parties() -> QuerySet[Application]:
    return Application.objects.order_by("name", "id")


def relying_party_of(*, client_id: str) -> Application | None:
    return Application.objects.filter(client_id=client_id).first()
