"""The lifecycle events the accounts services write with their changes (``calsreg.events``).

Payloads carry what the OpenID Connect claims carry and nothing more (docs/events.md): a project's
number, name, office, state and days of use; an account's ID, name, kana, e-mail and state; a
membership's role. Never a password, a phone number, an address or an amount.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from calsreg.accounts.models import Project, User
from calsreg.events.services import event_record
from calsreg.events.types import EventType

__all__ = ["EventType", "account_event", "account_sub", "membership_event", "project_event"]


def account_sub(user: User) -> str:
    """The account's ``sub`` (``User.subject``), the same as the OpenID Connect ``sub`` claim:
    how a subscriber joins the events to the people who sign in. It survives an ID or e-mail change;
    anonymisation replaces it after the ``account.anonymised`` event."""
    return str(user.subject)


def project_data(project: Project) -> dict[str, Any]:
    started = timezone.localtime(project.started_at).date() if project.started_at else None
    service_start = started or project.service_starts_on
    return {
        "number": project.project_number,
        "name": project.name,
        "office": {"code": project.office.code, "name": project.office.name},
        "state": project.status,
        "service_start": service_start.isoformat() if service_start else None,
        "service_end": project.last_day_of_use.isoformat(),
    }


def account_data(user: User) -> dict[str, Any]:
    return {
        "account_id": user.username,
        "sub": account_sub(user),
        "kind": user.role,
        "name": user.display_name,
        "kana": user.kana,
        "email": user.email,
        "state": user.state,
    }


def project_event(*, type: str, project: Project, at: datetime, **extra: Any) -> None:
    event_record(
        type=type,
        payload={"project": project_data(project), **extra},
        at=at,
        project_number=project.project_number,
    )


def account_event(*, type: str, user: User, at: datetime, changed: Iterable[str] = ()) -> None:
    payload: dict[str, Any] = {"account": account_data(user)}
    if changed:
        payload["changed"] = sorted(changed)
    event_record(type=type, payload=payload, at=at, account_id=user.username)


def account_sessions_ended_event(*, user: User, at: datetime, reason: str) -> None:
    """Every session of the person ends (e.g. ``reason="password_reset"``): relying parties sign them out."""
    event_record(
        type=EventType.ACCOUNT_SESSIONS_ENDED,
        payload={"account": account_data(user), "reason": reason},
        at=at,
        account_id=user.username,
    )


def account_anonymised_event(*, user: User, at: datetime) -> None:
    """The anonymised account by its new ID and the ``sub`` it had (replaced right after, so it
    names nobody afterwards): never a personal value it had."""
    event_record(
        type=EventType.ACCOUNT_ANONYMISED,
        payload={"account": {"account_id": user.username, "sub": account_sub(user), "state": user.state}},
        at=at,
        account_id=user.username,
    )


def membership_event(*, type: str, project: Project, user: User, role: str, at: datetime) -> None:
    event_record(
        type=type,
        payload={
            "membership": {
                "project_number": project.project_number,
                "account_id": user.username,
                "sub": account_sub(user),
                "role": role,
            }
        },
        at=at,
        project_number=project.project_number,
        account_id=user.username,
    )
