"""Sending the webhooks: the django-tasks task and the loop it runs for one subscriber.

In order, at least once, never again once acknowledged. A subscriber's deliveries go one at a time
in event order: only the oldest one not yet delivered (its *head*) is claimed, so a receiver that
was down gets everything in order once it is back. A delivery is *claimed* (``sending``, committed)
before the request and marked ``delivered`` on a 2xx, in a second transaction; a delivered row is
never claimed again. If the worker dies between the two, the claim is taken again after
``WEBHOOK_STUCK_AFTER``: the receiver may then see an event twice, and tells by
``X-Calsreg-Event-Id`` (docs/events.md) — unlike mail, a late duplicate here is harmless and a lost
event is not.

A delivery that fails ``EVENTS_WEBHOOK_MAX_ATTEMPTS`` times is marked failed and the next one goes;
the receiver catches up from the pull feed.
"""

from __future__ import annotations

import logging
import secrets
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import task

from calsreg.core import clock
from calsreg.events.models import WEBHOOK_STUCK_AFTER, Subscriber, WebhookDelivery, WebhookStatus
from calsreg.events.selectors import event_envelope
from calsreg.events.signing import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    body_encode,
    signature_compute,
)

logger = logging.getLogger(__name__)

LAST_ERROR_MAX_CHARS = 2000
MAX_RETRY_DELAY = timedelta(hours=6)
USER_AGENT = "calsreg-webhooks/1"


class AttemptFailed(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new destination: the registered URL is the only one posted to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@task()
def send_webhooks(subscriber_id: int) -> int:
    """Worker entry point: deliver what is due for one subscriber. Never raises for an HTTP error."""
    return webhooks_send(subscriber_id=subscriber_id)


def webhooks_send(*, subscriber_id: int) -> int:
    """Deliver the subscriber's due deliveries in event order until one fails; return how many were
    acknowledged. A failure schedules the retry (a task run after the back-off) and stops the loop."""
    delivered = 0
    while True:
        now = clock.now()
        claimed = _claim_head(subscriber_id=subscriber_id, now=now)
        if claimed is None:
            return delivered
        delivery, subscriber = claimed
        try:
            status = _post(delivery=delivery, subscriber=subscriber, now=now)
        except AttemptFailed as failure:
            if _record_failure(delivery=delivery, failure=failure, now=now):
                continue  # failed for good: the next one goes
            return delivered
        _record_delivered(delivery=delivery, status=status, now=now)
        delivered += 1


def retry_delay(*, attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: base, 2×base, 4×base, … (at most 6 hours)."""
    delay = timedelta(seconds=settings.EVENTS_WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return min(delay, MAX_RETRY_DELAY)


def _claim_head(*, subscriber_id: int, now: datetime) -> tuple[WebhookDelivery, Subscriber] | None:
    with transaction.atomic():
        # The subscriber's row lock makes claims of one subscriber take turns (PostgreSQL).
        subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id, active=True).first()
        if subscriber is None or not subscriber.webhook_url:
            return None
        head = (
            WebhookDelivery.objects.select_for_update()
            .filter(subscriber=subscriber, status__in=[WebhookStatus.PENDING, WebhookStatus.SENDING])
            .order_by("event_id")
            .first()
        )
        if head is None or not _claimable(head=head, now=now):
            return None
        head.transition_to(WebhookStatus.SENDING)
        head.attempts += 1
        head.last_attempt_at = now
        head.attempt_token = secrets.token_hex(16)
        head.save(update_fields=["status", "attempts", "last_attempt_at", "attempt_token", "updated_at"])
    return head, subscriber


def _claimable(*, head: WebhookDelivery, now: datetime) -> bool:
    if head.status == WebhookStatus.SENDING:
        # Another worker's attempt in progress, unless it died long ago.
        return head.last_attempt_at is None or head.last_attempt_at <= now - WEBHOOK_STUCK_AFTER
    return head.next_attempt_at is None or head.next_attempt_at <= now


def _post(*, delivery: WebhookDelivery, subscriber: Subscriber, now: datetime) -> int:
    """POST the event; return the 2xx status, or raise AttemptFailed."""
    # Rendered now, from the row as it is: an event erased meanwhile goes out erased.
    body = body_encode(event_envelope(delivery.event))
    timestamp = int(now.timestamp())
    request = urllib.request.Request(  # noqa: S310 — the URL's scheme was checked at registration
        subscriber.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: str(delivery.event.public_id),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature_compute(
                secret=subscriber.signing_secret, timestamp=timestamp, body=body
            ),
        },
    )
    return post_once(request)


def post_once(request: urllib.request.Request) -> int:
    """Send one POST to a registered URL (redirects not followed); return its 2xx status, or raise
    ``AttemptFailed`` with the status or the network error. Webhooks and logout tokens alike."""
    try:
        with _opener.open(request, timeout=settings.EVENTS_WEBHOOK_TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise AttemptFailed(f"HTTP {error.code}", status=error.code) from error
    except (OSError, ValueError) as error:
        raise AttemptFailed(f"{type(error).__name__}: {error}") from error
    if not 200 <= status < 300:
        raise AttemptFailed(f"HTTP {status}", status=status)
    return status


def _record_delivered(*, delivery: WebhookDelivery, status: int, now: datetime) -> None:
    with transaction.atomic():
        updated = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=WebhookStatus.SENDING, attempt_token=delivery.attempt_token
        ).update(
            status=WebhookStatus.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            last_status=status,
            last_error="",
            updated_at=clock.now(),
        )
    if not updated:
        logger.warning("webhook delivery %s was acknowledged after its claim was taken over", delivery.pk)


def _record_failure(*, delivery: WebhookDelivery, failure: AttemptFailed, now: datetime) -> bool:
    """Plan the retry, or mark the delivery failed for good (returns True then)."""
    with transaction.atomic():
        current = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None or current.attempt_token != delivery.attempt_token:
            return False
        if current.status != WebhookStatus.SENDING:
            return False
        current.last_status = failure.status
        current.last_error = str(failure)[:LAST_ERROR_MAX_CHARS]
        if current.attempts < settings.EVENTS_WEBHOOK_MAX_ATTEMPTS:
            current.transition_to(WebhookStatus.PENDING)
            current.next_attempt_at = now + retry_delay(attempts=current.attempts)
            # Enqueued in the same transaction as the new status: the retry can't be lost.
            send_webhooks.using(run_after=current.next_attempt_at).enqueue(current.subscriber_id)
            final = False
        else:
            current.transition_to(WebhookStatus.FAILED)
            current.next_attempt_at = None
            final = True
        current.save(update_fields=["status", "next_attempt_at", "last_status", "last_error", "updated_at"])
    logger.warning("webhook delivery %s attempt %s failed: %s", current.pk, current.attempts, failure)
    return final
