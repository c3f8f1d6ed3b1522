"""Builders for the change-request tests that go through the call-back: file a request through the real
service, record a call-back to a person concerned at their number on file, look at what was sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from calsreg.accounts.models import Project, User
from calsreg.accounts.services import account_actor
from calsreg.changes.catalog import person_concerned
from calsreg.changes.models import CallBack, ChangeChannel, ChangeRequest, ItemDecision
from calsreg.changes.registration import people_concerned
from calsreg.changes.services import callback_record, change_request_submit
from calsreg.notifications.models import Delivery
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome

# During the works of the projects ``tests.accounts.helpers.started()`` builds (2026-12-01..2027-03-19).
DURING_THE_WORKS = dt.datetime(2026, 12, 10, 10, tzinfo=dt.UTC)
# What a forger writes on the form: never the number called.
STATED_PHONE = "090-9999-0000"


def raw(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "requester_name": "田中 一郎",
        "requester_phone": STATED_PHONE,
        "requester_email": "someone@example.jp",
        "reason": "工期の変更契約のため",
        "items": list(items),
        **extra,
    }


def file_change(
    project: Project,
    *items: dict[str, Any],
    channel: str = ChangeChannel.PORTAL,
    filed_by: User | None = None,
    **extra: Any,
) -> ChangeRequest:
    """A change request filed through the one submit service (as the portal or my page does)."""
    payload = raw(*items, **extra)
    actor = (
        account_actor(user=filed_by) if filed_by is not None else Actor.applicant(payload["requester_email"])
    )
    return change_request_submit(
        project=project, raw=payload, channel=channel, actor=actor, filed_by=filed_by
    )


def call_back(
    request: ChangeRequest,
    *,
    actor: Actor,
    outcome: str = CallOutcome.CONFIRMED,
    contact: str = "applicant",
    confirmed: bool | dict[int, bool] = True,
    note: str = "",
) -> CallBack:
    """Record a call-back to ``contact`` (a person concerned by the request); every item of theirs
    still to decide confirmed by default, or the given ``{position: confirmed}``."""
    theirs = [
        item
        for item in request.items.order_by("position")
        if item.decision == ItemDecision.PENDING
        and person_concerned(field=item.field, target=item.target) == contact
    ]
    if isinstance(confirmed, dict):
        decisions = {item.pk: confirmed[item.position] for item in theirs}
    else:
        decisions = {item.pk: confirmed for item in theirs}
    return callback_record(
        request=request,
        contact=contact,
        outcome=outcome,
        actor=actor,
        decisions=decisions if outcome == CallOutcome.CONFIRMED else None,
        note=note,
    )


def call_everyone(request: ChangeRequest, *, actor: Actor, note: str = "") -> list[CallBack]:
    """A positive call-back to each person concerned in turn, every item confirmed."""
    people = [person.key for person in people_concerned(request)]
    return [call_back(request, actor=actor, contact=key, note=note) for key in people]


def mails_to(address: str) -> list[str]:
    """The kinds of the notices enqueued for ``address``, oldest first."""
    return list(
        Delivery.objects.filter(to_address=address)
        .order_by("created_at", "pk")
        .values_list("kind", flat=True)
    )
