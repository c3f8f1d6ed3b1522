"""Reads of the staff notices, shaped for the desk: the list, the unread count (one query)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from calsreg.notifications.models import StaffAudience, StaffInbox, StaffNotice


def audiences_of(user: Any) -> list[str]:
    """The notices an operator sees: the help desk's, the billing agent's, or both (administrators)."""
    audiences = []
    if getattr(user, "is_desk_staff", False):
        audiences.append(StaffAudience.DESK.value)
    if getattr(user, "is_billing_staff", False):
        audiences.append(StaffAudience.BILLING.value)
    return audiences


def staff_notices(*, user: Any) -> QuerySet[StaffNotice]:
    """The operator's notices, newest first."""
    return StaffNotice.objects.filter(audience__in=audiences_of(user)).order_by("-id")


def staff_inbox(*, user: Any) -> StaffInbox:
    """The operator's read state (unsaved defaults when they never had one)."""
    return StaffInbox.objects.filter(user=user).first() or StaffInbox(user=user)


def staff_unread_count(*, user: Any) -> int:
    """How many of the operator's notices are unread — one query (the watermark is a subquery)."""
    audiences = audiences_of(user)
    if not audiences:
        return 0
    read_up_to = Coalesce(Subquery(StaffInbox.objects.filter(user=user).values("read_up_to")[:1]), Value(0))
    return StaffNotice.objects.filter(audience__in=audiences, id__gt=read_up_to).count()


def staff_digest_recipients() -> QuerySet[StaffInbox]:
    return StaffInbox.objects.filter(digest=True, user__is_active=True).order_by("pk")


def notice_text(notice: StaffNotice) -> str:
    """The notice's summary in the active language, its placeholders filled."""
    text = gettext(notice.summary)
    try:
        return text % notice.summary_params if notice.summary_params else text
    except (KeyError, TypeError, ValueError):
        return text
