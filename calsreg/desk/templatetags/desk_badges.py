"""Counts shown as badges in the desk's navigation, computed once per request.

The help desk's two counts — failed or stuck mail, received mail waiting on the triage list — are
read together in one query (a UNION ALL of two indexed counts), so every desk page costs one query
for its menu however many badges it shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Count, QuerySet, Value

from calsreg.mailbox.selectors import triage_count_query
from calsreg.notifications.selectors import deliveries_troubled
from calsreg.notifications.staff_selectors import staff_unread_count

register = template.Library()

_TROUBLED, _TRIAGE = 1, 2


@dataclass(frozen=True)
class MenuCounts:
    mail_troubles: int
    mailbox_triage: int


def menu_counts() -> MenuCounts:
    """How many deliveries are failed or stuck, and how many received mails wait for the desk."""
    found = dict(
        _counted(deliveries_troubled(), _TROUBLED).union(_counted(triage_count_query(), _TRIAGE), all=True)
    )
    return MenuCounts(mail_troubles=found.get(_TROUBLED, 0), mailbox_triage=found.get(_TRIAGE, 0))


def _counted(rows: QuerySet, which: int) -> QuerySet:  # type: ignore[type-arg]
    return (
        rows.order_by()
        .annotate(which=Value(which))
        .values("which")
        .annotate(n=Count("pk"))
        .values_list("which", "n")
    )


def _request_counts(context: template.Context) -> MenuCounts:
    request = context.get("request")
    if request is None:
        return menu_counts()
    cached: MenuCounts | None = getattr(request, "_desk_menu_counts", None)
    if cached is None:
        cached = menu_counts()
        request._desk_menu_counts = cached  # type: ignore[attr-defined]
    return cached


@register.simple_tag(takes_context=True)
def mail_trouble_count(context: template.Context) -> int:
    """How many deliveries are failed or stuck; computed once per request however often it's shown."""
    return _request_counts(context).mail_troubles


@register.simple_tag(takes_context=True)
def mailbox_triage_count(context: template.Context) -> int:
    """How many received mails wait on the triage list (read with ``mail_trouble_count``)."""
    return _request_counts(context).mailbox_triage


@register.simple_tag(takes_context=True)
def staff_unread(context: template.Context) -> int:
    """How many staff notices the signed-in operator has not read; once per request."""
    request = context.get("request")
    user = context.get("user")
    if request is None or user is None:
        return 0
    cached: int | None = getattr(request, "_desk_staff_unread", None)
    if cached is None:
        cached = staff_unread_count(user=user)
        request._desk_staff_unread = cached  # type: ignore[attr-defined]
    return cached
