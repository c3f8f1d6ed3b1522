"""Sending the logout tokens: POST ``logout_token=…`` to each party's back-channel logout URI.

Like the webhooks (``events/tasks.py``): a delivery is claimed (``sending``, committed) before the
request and marked delivered on 200/204 (any 2xx) in a second transaction; a failure is retried
after ``EVENTS_WEBHOOK_RETRY_BASE_SECONDS`` doubling (at most 6 hours), up to
``EVENTS_WEBHOOK_MAX_ATTEMPTS`` attempts. Redirects are not followed. Each delivery goes on its
own: logouts need no order.
"""

from __future__ import annotations

import logging
import secrets
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django_tasks import task

from calsreg.core import clock
from calsreg.events.tasks import AttemptFailed, post_once, retry_delay
from calsreg.sso.backchannel import sessions_end_for_event
from calsreg.sso.logout_tokens import logout_token_make
from calsreg.sso.models import BackchannelEndpoint, LogoutDelivery, LogoutStatus

logger = logging.getLogger(__name__)

LAST_ERROR_MAX_CHARS = 2000
STUCK_AFTER = timedelta(minutes=5)
USER_AGENT = "calsreg-backchannel-logout/1"


@task()
def backchannel_logout_for_event(event_id: int) -> int:
    """Enqueued with every session-ending event (``EVENTS_SESSION_END_TASK``): end the sign-ins and
    write the logout deliveries, each with its sending task in the same transaction (a worker dying
    after the commit loses no logout); return how many deliveries were written."""
    with transaction.atomic():
        written = sessions_end_for_event(event_id=event_id)
        for pk in written:
            send_logout.enqueue(pk)
    return len(written)


@task()
def send_logout(delivery_id: int) -> int:
    """A retry of one logout delivery, after its back-off."""
    return logout_send(delivery_id=delivery_id)


def logout_send(*, delivery_id: int) -> int:
    """One attempt at the delivery if it is due; 1 if acknowledged now, else 0."""
    now = clock.now()
    claimed = _claim(delivery_id=delivery_id, now=now)
    if claimed is None:
        return 0
    delivery, uri = claimed
    try:
        status = _post(delivery=delivery, uri=uri, now=now)
    except AttemptFailed as failure:
        _record_failure(delivery=delivery, failure=failure, now=now)
        return 0
    updated = LogoutDelivery.objects.filter(
        pk=delivery.pk, status=LogoutStatus.SENDING, attempt_token=delivery.attempt_token
    ).update(
        status=LogoutStatus.DELIVERED,
        delivered_at=now,
        next_attempt_at=None,
        last_status=status,
        last_error="",
    )
    return updated


def _claim(*, delivery_id: int, now: datetime) -> tuple[LogoutDelivery, str] | None:
    with transaction.atomic():
        delivery = (
            LogoutDelivery.objects.select_for_update()
            .select_related("application")
            .filter(pk=delivery_id, status__in=[LogoutStatus.PENDING, LogoutStatus.SENDING])
            .first()
        )
        if delivery is None or not _due(delivery=delivery, now=now):
            return None
        endpoint = BackchannelEndpoint.objects.filter(application_id=delivery.application_id).first()
        if endpoint is None:
            return None
        delivery.status = LogoutStatus.SENDING
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.attempt_token = secrets.token_hex(16)
        delivery.save(update_fields=["status", "attempts", "last_attempt_at", "attempt_token"])
    return delivery, endpoint.uri


def _due(*, delivery: LogoutDelivery, now: datetime) -> bool:
    if delivery.status == LogoutStatus.SENDING:
        return delivery.last_attempt_at is None or delivery.last_attempt_at <= now - STUCK_AFTER
    return delivery.next_attempt_at is None or delivery.next_attempt_at <= now


def _post(*, delivery: LogoutDelivery, uri: str, now: datetime) -> int:
    token = logout_token_make(
        application=delivery.application, sub=delivery.sub, jti=delivery.jti, now=now, sid=delivery.sid
    )
    request = urllib.request.Request(  # noqa: S310 — the URI's scheme was checked at registration
        uri,
        data=urllib.parse.urlencode({"logout_token": token}).encode("ascii"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
    )
    return post_once(request)


def _record_failure(*, delivery: LogoutDelivery, failure: AttemptFailed, now: datetime) -> None:
    with transaction.atomic():
        current = LogoutDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None or current.attempt_token != delivery.attempt_token:
            return
        if current.status != LogoutStatus.SENDING:
            return
        current.last_status = failure.status
        current.last_error = str(failure)[:LAST_ERROR_MAX_CHARS]
        if current.attempts < settings.EVENTS_WEBHOOK_MAX_ATTEMPTS:
            current.status = LogoutStatus.PENDING
            current.next_attempt_at = now + retry_delay(attempts=current.attempts)
            # Enqueued in the same transaction as the new status: the retry can't be lost.
            send_logout.using(run_after=current.next_attempt_at).enqueue(current.pk)
        else:
            current.status = LogoutStatus.FAILED
            current.next_attempt_at = None
        current.save(update_fields=["status", "next_attempt_at", "last_status", "last_error"])
    logger.warning("logout delivery %s attempt %s failed: %s", current.pk, current.attempts, failure)
