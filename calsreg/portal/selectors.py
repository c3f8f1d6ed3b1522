"""Reads of the portal's own data."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from calsreg.portal.models import Notice

TOP_PAGE_NOTICES = 8


def notices_current(*, now: datetime, limit: int = TOP_PAGE_NOTICES) -> QuerySet[Notice]:
    """Notices on display at ``now``, newest first (one query)."""
    return Notice.objects.filter(
        Q(display_until__isnull=True) | Q(display_until__gt=now), published_at__lte=now
    ).order_by("-published_at", "-id")[:limit]
