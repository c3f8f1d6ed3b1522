"""Sending the webhooks: the django-tasks task and what webhooks add to the one outbound-delivery
state machine (``core.outbound``: claim, POST, delivered / retried with back-off / failed).

In order, at least once, never again once acknowledged. A subscriber's deliveries go one at a time
in event order: only the oldest one not yet delivered (its *head*) is claimed, so a receiver that
was down gets everything in order once it is back. If the worker dies between the claim and the
answer, the receiver may see an event twice, and tells by ``X-Calsreg-Event-Id`` (docs/events.md).

A delivery that fails ``EVENTS_WEBHOOK_MAX_ATTEMPTS`` times is marked failed and the next one goes;
the receiver catches up from the pull feed (or the desk re-sends it).
"""

from __future__ import annotations

import urllib.request
from datetime import datetime

from django.db.models import Q
from django_tasks import task

from calsreg.core import outbound
from calsreg.core.outbound import OutboundKind, OutboundStatus, deliver
from calsreg.events.models import Subscriber, WebhookDelivery
from calsreg.events.selectors import event_envelope
from calsreg.events.signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    body_encode,
    signatures_compute,
)

USER_AGENT = "calsreg-webhooks/1"


@task(queue_name="outbound")
def send_webhooks(subscriber_id: int) -> int:
    """Worker entry point: deliver what is due for one subscriber. Never raises for an HTTP error."""
    return webhooks_send(subscriber_id=subscriber_id)


def webhooks_send(*, subscriber_id: int) -> int:
    """Deliver the subscriber's due deliveries in event order until one is to be retried later;
    return how many were acknowledged."""
    return deliver(WEBHOOKS, key=subscriber_id)


def _head(subscriber_id: int) -> tuple[WebhookDelivery, Subscriber] | None:
    # The subscriber's row lock makes claims of one subscriber take turns (PostgreSQL).
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id, active=True).first()
    if subscriber is None or not subscriber.webhook_url:
        return None
    head = (
        WebhookDelivery.objects.select_for_update()
        .filter(subscriber=subscriber, status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING])
        .order_by("event_id")
        .first()
    )
    return None if head is None else (head, subscriber)


def _request(delivery: WebhookDelivery, subscriber: Subscriber, now: datetime) -> urllib.request.Request:
    # Rendered now, from the row as it is: an event erased meanwhile goes out erased.
    body = body_encode(event_envelope(delivery.event))
    timestamp = int(now.timestamp())
    return urllib.request.Request(  # noqa: S310 — the URL's scheme was checked at registration
        subscriber.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: str(delivery.event.public_id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signatures_compute(
                secrets=_signing_secrets(subscriber, now=now), timestamp=timestamp, body=body
            ),
        },
    )


def _signing_secrets(subscriber: Subscriber, *, now: datetime) -> list[str]:
    """The current secret, then the one it replaced while the rotation's overlap lasts."""
    until = subscriber.previous_signing_secret_until
    if subscriber.previous_signing_secret and until is not None and now < until:
        return [subscriber.signing_secret, subscriber.previous_signing_secret]
    return [subscriber.signing_secret]


def _enqueue(subscriber_id: int, run_after: datetime) -> None:
    send_webhooks.using(run_after=run_after).enqueue(subscriber_id)


WEBHOOKS: OutboundKind[WebhookDelivery] = OutboundKind(
    model=WebhookDelivery,
    next_for=_head,
    request=_request,
    enqueue=_enqueue,
    key_of=lambda delivery: delivery.subscriber_id,
    label="webhook delivery",
    related=("event", "subscriber"),
    task_path="calsreg.events.tasks.send_webhooks",
    recoverable=Q(subscriber__active=True) & ~Q(subscriber__webhook_url=""),
)


def webhook_deliveries_recover() -> int:
    """Worker maintenance: queue the task of subscribers whose webhooks lost theirs (core.outbound)."""
    return outbound.recover(WEBHOOKS)
