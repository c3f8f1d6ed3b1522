"""Small template helpers for the desk's layout."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.safestring import mark_safe

from calsreg.notifications.kinds import kind_label

register = template.Library()

# Which header menu entry each desk page belongs to (by URL name).
NAV_SECTIONS: dict[str, frozenset[str]] = {
    "applications": frozenset({"queue", "application_detail", "evidence"}),
    "intake": frozenset({"intake"}),
    "directory": frozenset({"directory", "directory_import", "directory_import_confirm"}),
    "outbox": frozenset({"outbox", "outbox_detail"}),
    "attention": frozenset({"confirmations_attention"}),
    "sso": frozenset(
        {"sso_parties", "sso_party", "sso_party_register", "sso_party_rotate", "sso_deliveries_resend"}
    ),
    "billing": frozenset(
        {
            "billing_invoices",
            "billing_invoices_csv",
            "billing_invoice_detail",
            "billing_aging",
            "billing_run_detail",
        }
    ),
}


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, section: str) -> str:
    """``aria-current="page"`` on the menu entry of the page being shown."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match and match.url_name in NAV_SECTIONS.get(section, ()):
        return mark_safe(' aria-current="page"')
    return ""


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (a lockout of 29.5 minutes reads as 30)."""
    if not value:
        return 0
    seconds = int(value.total_seconds())
    return -(-seconds // 60)


@register.filter
def mail_kind(kind: str) -> str:
    """A mail kind's Japanese name (as the outbox shows it)."""
    return kind_label(kind)
