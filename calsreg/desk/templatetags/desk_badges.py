"""Counts shown as badges in the desk's navigation: at most one query each per page (the failed-mail count
at most every 30 s per process)."""

from __future__ import annotations

from django import template
from django.core.cache import cache

from calsreg.notifications.selectors import deliveries_troubled_count
from calsreg.notifications.staff_selectors import staff_unread_count

register = template.Library()

# The failed-mail count is the same for every operator and changes rarely: counted at most this often
# per process rather than on every desk page (the mail troubles page itself counts afresh).
MAIL_TROUBLE_COUNT_SECONDS = 30
MAIL_TROUBLE_COUNT_KEY = "desk:mail_trouble_count"


def _mail_trouble_count_cached() -> int:
    count: int | None = cache.get(MAIL_TROUBLE_COUNT_KEY)
    if count is None:
        count = deliveries_troubled_count()
        cache.set(MAIL_TROUBLE_COUNT_KEY, count, MAIL_TROUBLE_COUNT_SECONDS)
    return count


@register.simple_tag(takes_context=True)
def mail_trouble_count(context: template.Context) -> int:
    """How many deliveries are failed or stuck; at most ``MAIL_TROUBLE_COUNT_SECONDS`` old, except on the
    mail troubles pages themselves, which show the list and so count afresh."""
    request = context.get("request")
    if request is None:
        return _mail_trouble_count_cached()
    cached: int | None = getattr(request, "_desk_mail_trouble_count", None)
    if cached is None:
        match = getattr(request, "resolver_match", None)
        fresh = bool(match and (match.url_name or "").startswith("mail_"))
        cached = deliveries_troubled_count() if fresh else _mail_trouble_count_cached()
        if fresh:
            cache.set(MAIL_TROUBLE_COUNT_KEY, cached, MAIL_TROUBLE_COUNT_SECONDS)
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
