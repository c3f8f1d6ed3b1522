"""Counts shown as badges in the desk's navigation: one query each per page, cached on the request."""

from __future__ import annotations

from django import template

from calsreg.notifications.selectors import deliveries_troubled_count
from calsreg.notifications.staff_selectors import staff_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def mail_trouble_count(context: template.Context) -> int:
    """How many deliveries are failed or stuck; computed once per request however often it's shown."""
    request = context.get("request")
    if request is None:
        return deliveries_troubled_count()
    cached: int | None = getattr(request, "_desk_mail_trouble_count", None)
    if cached is None:
        cached = deliveries_troubled_count()
        request._desk_mail_trouble_count = cached  # type: ignore[attr-defined]
    return cached


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
