"""Apply calsreg's lifecycle events to the mirror, each exactly once (by its id)."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import requests
from django.db import transaction
from django.db.models import Max, Q

from demo_service.models import Account, Membership, Project, ReceivedEvent

SIGNATURE_TOLERANCE_SECONDS = 300
FEED_PAGE = 200


def signature_valid(
    *, secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None
) -> bool:
    """docs/events.md: ``v1=`` HMAC-SHA256 over ``<timestamp>.<body>``, a timestamp within 5 minutes."""
    timestamp = headers.get("X-Calsreg-Timestamp", "")
    signature = headers.get("X-Calsreg-Signature", "")
    if not timestamp.isdigit() or not signature or not secret:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS:
        return False  # a replay of an old request
    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip()) for part in signature.split(","))


def last_cursor() -> int:
    return ReceivedEvent.objects.aggregate(highest=Max("cursor"))["highest"] or 0


@transaction.atomic
def event_apply(*, event: Mapping[str, Any], via: str) -> bool:
    """Store and apply one event; False (and nothing changed) for an id seen already."""
    _, created = ReceivedEvent.objects.get_or_create(
        event_id=event["id"],
        defaults={"cursor": event["cursor"], "type": event["type"], "via": via, "body": dict(event)},
    )
    if not created:
        return False
    kind, payload = event["type"], event.get("payload", {})
    if kind.startswith("project."):
        _project_upsert(payload["project"])
    elif kind == "account.anonymised":
        _account_erase(payload["account"])
    elif kind.startswith("account."):
        _account_upsert(payload["account"])
    elif kind == "membership.removed":
        Membership.objects.filter(
            project__number=payload["membership"]["project_number"],
            account__sub=payload["membership"]["sub"],
        ).delete()
    elif kind.startswith("membership."):
        _membership_upsert(payload["membership"])
    return True


def feed_catch_up(*, issuer: str, token: str) -> int:
    """Read the feed from the highest cursor applied until the end; the number of events applied."""
    applied = 0
    while True:
        response = requests.get(
            f"{issuer}/api/events",
            params={"after": last_cursor(), "limit": FEED_PAGE},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        response.raise_for_status()
        page = response.json()
        applied += sum(event_apply(event=item, via="feed") for item in page["items"])
        if not page["has_more"] or not page["items"]:
            return applied


def _project_upsert(project: Mapping[str, Any]) -> Project:
    office = project.get("office") or {}
    row, _ = Project.objects.update_or_create(
        number=project["number"],
        defaults={
            "name": project.get("name", ""),
            "office": office.get("name", ""),
            "state": project.get("state", ""),
            "service_start": project.get("service_start") or "",
            "service_end": project.get("service_end") or "",
        },
    )
    return row


def _account_upsert(account: Mapping[str, Any]) -> Account:
    values = {"account_id": account["account_id"], "state": account.get("state", "")}
    for field in ("name", "kana", "email"):
        if field in account:
            values[field] = account[field]
    row, _ = Account.objects.update_or_create(sub=account["sub"], defaults=values)
    return row


def _account_erase(account: Mapping[str, Any]) -> None:
    """``account.anonymised`` names the ``sub`` the mirror knows; calsreg gives the account a new
    one after it (a mirror rebuilt from the feed already holds it under the new ``sub`` and ID)."""
    Account.objects.filter(Q(sub=account["sub"]) | Q(account_id=account["account_id"])).update(
        account_id=account["account_id"], state=account.get("state", ""), name="", kana="", email=""
    )


def _membership_upsert(membership: Mapping[str, Any]) -> None:
    project, _ = Project.objects.get_or_create(
        number=membership["project_number"], defaults={"name": "", "office": "", "state": ""}
    )
    account, _ = Account.objects.get_or_create(
        sub=membership["sub"], defaults={"account_id": membership["account_id"]}
    )
    Membership.objects.update_or_create(
        project=project, account=account, defaults={"role": membership["role"]}
    )
