"""Sending the logout tokens: POST ``logout_token=…`` to each party's back-channel logout URI.

Through the one outbound-delivery state machine (``core.outbound``), as the webhooks are: claimed
before the request, delivered on any 2xx, retried with back-off up to
``EVENTS_WEBHOOK_MAX_ATTEMPTS`` attempts, redirects not followed. Each delivery goes on its own:
logouts need no order.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django_tasks import task

from calsreg.core import outbound
from calsreg.core.outbound import OutboundKind, OutboundStatus, deliver
from calsreg.sso.backchannel import sessions_end_for_event
from calsreg.sso.logout_tokens import logout_token_make
from calsreg.sso.models import BackchannelEndpoint, LogoutDelivery

USER_AGENT = "calsreg-backchannel-logout/1"


@task(queue_name="outbound")
def backchannel_logout_for_event(event_id: int) -> int:
    """Enqueued with every session-ending event (``EVENTS_SESSION_END_TASK``): end the sign-ins and
    write the logout deliveries, each with its sending task in the same transaction (a worker dying
    after the commit loses no logout); return how many deliveries were written."""
    with transaction.atomic():
        written = sessions_end_for_event(event_id=event_id)
        for pk in written:
            send_logout.enqueue(pk)
    return len(written)


@task(queue_name="outbound")
def send_logout(delivery_id: int) -> int:
    """One logout delivery: its first attempt, or a retry after its back-off."""
    return logout_send(delivery_id=delivery_id)


def logout_send(*, delivery_id: int) -> int:
    """One attempt at the delivery if it is due; 1 if acknowledged now, else 0."""
    return deliver(LOGOUTS, key=delivery_id)


def _one(delivery_id: int) -> tuple[LogoutDelivery, str] | None:
    delivery = (
        LogoutDelivery.objects.select_for_update()
        .select_related("application")
        .filter(pk=delivery_id, status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING])
        .first()
    )
    if delivery is None:
        return None
    endpoint = BackchannelEndpoint.objects.filter(application_id=delivery.application_id).first()
    return None if endpoint is None else (delivery, endpoint.uri)


def _request(delivery: LogoutDelivery, uri: str, now: datetime) -> urllib.request.Request:
    token = logout_token_make(
        application=delivery.application, sub=delivery.sub, jti=delivery.jti, now=now, sid=delivery.sid
    )
    return urllib.request.Request(  # noqa: S310 — the URI's scheme was checked at registration
        uri,
        data=urllib.parse.urlencode({"logout_token": token}).encode("ascii"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": USER_AGENT},
    )


def _enqueue(delivery_id: int, run_after: datetime) -> None:
    send_logout.using(run_after=run_after).enqueue(delivery_id)


LOGOUTS: OutboundKind[LogoutDelivery] = OutboundKind(
    model=LogoutDelivery,
    next_for=_one,
    request=_request,
    enqueue=_enqueue,
    key_of=lambda delivery: delivery.pk,
    label="logout delivery",
    related=("application", "user"),
    task_path="calsreg.sso.tasks.send_logout",
    recoverable=Q(application__sso_backchannel__isnull=False),
)


def logout_deliveries_recover() -> int:
    """Worker maintenance: queue the task of logout tokens that lost theirs (core.outbound)."""
    return outbound.recover(LOGOUTS)
