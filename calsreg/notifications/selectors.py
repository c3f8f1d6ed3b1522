"""Reads of the notifications app, shaped for the desk's pages (list = one query, bounded)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from calsreg.core import clock
from calsreg.core.errors import NotFound
from calsreg.core.subjects import subject_type_of
from calsreg.notifications.models import (
    TROUBLED_ORDER,
    Delivery,
    DeliveryStatus,
    OutboxMessage,
    attempted_key,
    send_lease,
)

OUTBOX_LIST_LIMIT = 200
SEARCH_MAX_CHARS = 100


def outbox_messages(*, search: str = "", limit: int = OUTBOX_LIST_LIMIT) -> QuerySet[OutboxMessage]:
    """Newest first, at most ``limit`` rows; ``search`` matches recipient, subject or body.

    The raw source is deferred (it is only needed on the detail page) and the delivery is joined, so
    a list page costs one query however many rows it shows.
    """
    queryset = OutboxMessage.objects.select_related("delivery").defer("raw")
    term = search.strip()[:SEARCH_MAX_CHARS]
    if term:
        queryset = queryset.filter(
            Q(to_addresses__icontains=term) | Q(subject__icontains=term) | Q(body__icontains=term)
        )
    return queryset.order_by("-sent_at", "-id")[: max(0, min(limit, OUTBOX_LIST_LIMIT))]


def outbox_message_get(*, message_id: int) -> OutboxMessage:
    """One outbox mail with its raw source; NotFound if there is no such row."""
    message = OutboxMessage.objects.select_related("delivery").filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("メールが見つかりません。"))
    return message


def deliveries_for(*, subject: models.Model) -> QuerySet[Delivery]:
    """The notices about one domain object, oldest first."""
    return Delivery.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk).order_by(
        "created_at", "id"
    )


def deliveries_to(*, address: str) -> QuerySet[Delivery]:
    """The notices sent (or to be sent) to one address, oldest first."""
    return Delivery.objects.filter(to_address=address).order_by("created_at", "pk")


def deliveries_by_message_ids(
    *, message_ids: Iterable[str], kinds: Iterable[str] | None = None
) -> dict[str, Delivery]:
    """The deliveries that left with one of ``message_ids`` (as written, angle brackets included),
    keyed by Message-ID; only of ``kinds`` when given. One query; unknown ids are simply absent."""
    wanted = {message_id for message_id in message_ids if message_id}
    if not wanted:
        return {}
    found = Delivery.objects.filter(message_id__in=wanted)
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    return {delivery.message_id: delivery for delivery in found.order_by("id")}


def address_bounced(*, address: str) -> bool:
    """Whether mail to ``address`` came back (a bounce was recorded) or failed for good."""
    return (
        Delivery.objects.filter(to_address__iexact=address.strip())
        .filter(Q(bounced_at__isnull=False) | Q(status=DeliveryStatus.FAILED))
        .exists()
    )


def deliveries_to_count(*, kind: str, address: str, since: datetime) -> int:
    """How many notices of ``kind`` were queued for ``address`` since ``since`` (a rate limit's count)."""
    return Delivery.objects.filter(
        kind=kind, to_address__iexact=address.strip(), created_at__gte=since
    ).count()


def deliveries_stuck(*, now: datetime | None = None) -> QuerySet[Delivery]:
    """Rows claimed for sending longer ago than the send lease and never finished: the process died
    mid-send, so the mail may or may not have left. The worker's maintenance sends them again with
    the same Message-ID (``recovery.deliveries_recover``); the desk may too (``delivery_requeue``)."""
    now = now or clock.now()
    return Delivery.objects.filter(
        status=DeliveryStatus.SENDING, last_attempt_at__lte=now - send_lease()
    ).order_by("last_attempt_at", "id")


def deliveries_failed() -> QuerySet[Delivery]:
    """Deliveries that gave up after their last attempt, newest first (the desk's to-do list)."""
    return Delivery.objects.filter(status=DeliveryStatus.FAILED).order_by("-last_attempt_at", "-id")


def _troubled(now: datetime) -> Q:
    stuck = Q(status=DeliveryStatus.SENDING) & (
        Q(last_attempt_at__lte=now - send_lease()) | Q(last_attempt_at__isnull=True)
    )
    return Q(status=DeliveryStatus.FAILED) | stuck


def deliveries_troubled(*, now: datetime | None = None) -> QuerySet[Delivery]:
    """Failed and stuck deliveries of any kind and recipient, newest attempt first: what the desk
    may send again (``deliveries_requeue``)."""
    now = now or clock.now()
    # The never-attempted rows (a stuck claim without a time) sort last, as NULLS LAST did; the key is
    # NOT NULL so the desk can page by it, and the troubled-delivery index holds the same expression.
    return (
        Delivery.objects.filter(_troubled(now)).annotate(attempted=attempted_key()).order_by(*TROUBLED_ORDER)
    )


def deliveries_troubled_count(*, now: datetime | None = None) -> int:
    """How many deliveries are failed or stuck (one COUNT query, for the desk's navigation)."""
    return Delivery.objects.filter(_troubled(now or clock.now())).count()
