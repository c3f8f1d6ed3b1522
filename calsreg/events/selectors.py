"""Reads of the events app: the feed, an event's public form, the subscribers' delivery logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from calsreg.events.models import Event, Subscriber, WebhookDelivery, WebhookStatus

FEED_MAX_LIMIT = 500


def event_envelope(event: Event) -> dict[str, Any]:
    """The one public form of an event: the webhook's body and an item of the feed."""
    return {
        "id": str(event.public_id),
        "cursor": event.pk,
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat(),
        "subject": {"project_number": event.project_number, "account_id": event.account_id},
        "payload": event.payload,
    }


@dataclass(frozen=True)
class FeedPage:
    items: list[dict[str, Any]]
    next_cursor: int
    has_more: bool


def events_after(*, after: int, limit: int) -> FeedPage:
    """Up to ``limit`` events with a cursor above ``after``, oldest first, and the cursor to ask next.

    Cursor 0 starts from the first event: a service rebuilds its whole state from there.
    """
    rows = list(Event.objects.filter(pk__gt=after).order_by("pk")[: limit + 1])
    page = rows[:limit]
    return FeedPage(
        items=[event_envelope(event) for event in page],
        next_cursor=page[-1].pk if page else after,
        has_more=len(rows) > limit,
    )


def subscribers_with_log() -> QuerySet[Subscriber]:
    """Every subscriber with its delivery counts and its last attempt (the list command, the desk)."""
    return Subscriber.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.PENDING)),
        delivered=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.DELIVERED)),
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.FAILED)),
        last_attempt_at=Max("deliveries__last_attempt_at"),
    ).order_by("name")


def deliveries_of(*, subscriber: Subscriber) -> QuerySet[WebhookDelivery]:
    """The subscriber's delivery log, in event order: attempts, last status, last error."""
    return WebhookDelivery.objects.filter(subscriber=subscriber).select_related("event").order_by("event_id")
