"""Writes of the staff notices: post one (inside the writer's transaction), mark read, the digest
choice. The digest mail itself is ``staff_digest``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_noop

from calsreg.core import clock
from calsreg.core.subjects import subject_type_of
from calsreg.notifications.models import StaffAudience, StaffInbox, StaffNotice
from calsreg.records.services import Actor, audit_record


def staff_notice_post(
    *,
    kind: str,
    subject: models.Model,
    summary: str,
    summary_params: dict[str, Any] | None = None,
    audience: str = StaffAudience.DESK,
    at: datetime | None = None,
) -> StaffNotice:
    """Tell the staff that something arrived — call inside the writer's transaction, so a rolled
    back change leaves no notice. ``summary`` is a ``gettext_noop`` message id."""
    if subject.pk is None:
        raise ValueError("the subject of a staff notice must be saved first")
    return StaffNotice.objects.create(
        at=at or clock.now(),
        kind=kind,
        audience=audience,
        summary=str(summary)[:300],
        summary_params=summary_params or {},
        subject_type=subject_type_of(subject),
        subject_id=subject.pk,
    )


@transaction.atomic
def staff_notices_mark_read(*, user: Any, up_to_id: int) -> None:
    """Everything up to notice ``up_to_id`` is read for ``user`` (never moves back)."""
    inbox, _created = StaffInbox.objects.select_for_update().get_or_create(user=user)
    if up_to_id > inbox.read_up_to:
        inbox.read_up_to = up_to_id
        inbox.save(update_fields=["read_up_to"])


@transaction.atomic
def staff_digest_choose(*, user: Any, enabled: bool, actor: Actor) -> StaffInbox:
    """The operator opts in to (or out of) the digest mail; audited. Opting in starts from now:
    the first digest holds what arrives afterwards, not the whole history."""
    inbox, _created = StaffInbox.objects.select_for_update().get_or_create(user=user)
    if inbox.digest == enabled:
        return inbox
    inbox.digest = enabled
    if enabled:
        inbox.digest_sent_up_to = StaffNotice.objects.aggregate(last=models.Max("id"))["last"] or 0
    inbox.save(update_fields=["digest", "digest_sent_up_to"])
    audit_record(
        actor=actor,
        action="notification.staff_digest_chosen",
        subject=inbox,
        summary=gettext_noop("お知らせのまとめメールを%(choice)sにしました。"),
        summary_params={"choice": "on" if enabled else "off"},
        data={"enabled": enabled},
    )
    return inbox
