"""The one outbound-delivery state machine: webhooks (``events``) and logout tokens (``sso``) alike.

A delivery row is *claimed* (``sending``, a fresh attempt token, committed) before its request and
marked ``delivered`` on a 2xx, in a second transaction; a delivered row is never claimed again. A
failure goes back to ``pending`` with a back-off and its retry task is enqueued in the same
transaction (so it cannot be lost), or, after ``EVENTS_WEBHOOK_MAX_ATTEMPTS`` attempts, ``failed``.
If the worker dies between claim and answer, the claim is taken again after ``STUCK_AFTER`` (and
``recover``, run by the workers' maintenance, queues a task for it if none is left): the
receiver may then see a request twice and tells by its id (a late duplicate is harmless, a lost
one is not). The outcome is recorded only by the attempt whose token is still on the row.

Each kind (an ``OutboundKind``) supplies only what differs: which row is next (webhooks go in event
order per subscriber, logouts each on its own), how its request is built, and its retry task.
"""

from __future__ import annotations

import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from calsreg.core import clock
from calsreg.core.transitions import ensure_transition

logger = logging.getLogger(__name__)

LAST_ERROR_MAX_CHARS = 2000
MAX_RETRY_DELAY = timedelta(hours=6)
# Far beyond the HTTP timeout: an attempt still in progress is never taken for a dead one.
STUCK_AFTER = timedelta(minutes=5)
# A pending delivery this long past due with no task waiting for it lost its task (``recover``).
RECOVER_GRACE = timedelta(minutes=1)


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("送信待ち")
    SENDING = "sending", _("送信中")
    DELIVERED = "delivered", _("受領済み")
    FAILED = "failed", _("送信失敗")


OUTBOUND_TRANSITIONS: dict[str, frozenset[str]] = {
    OutboundStatus.PENDING: frozenset({OutboundStatus.SENDING}),
    # sending → sending: an attempt whose worker died is claimed again (STUCK_AFTER);
    # sending → pending: a retry, or a stuck attempt re-sent by the desk.
    OutboundStatus.SENDING: frozenset(
        {OutboundStatus.DELIVERED, OutboundStatus.PENDING, OutboundStatus.FAILED, OutboundStatus.SENDING}
    ),
    OutboundStatus.DELIVERED: frozenset(),
    # failed → pending: re-sent by the desk.
    OutboundStatus.FAILED: frozenset({OutboundStatus.PENDING}),
}


class OutboundDelivery(models.Model):
    """The state of one outbound request and its attempts (abstract: each kind adds what it sends)."""

    status = models.CharField(
        _("状態"), max_length=16, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("送信試行回数"), default=0)
    next_attempt_at = models.DateTimeField(_("次回送信予定"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最終試行日時"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("最後の応答コード"), null=True, blank=True)
    last_error = models.TextField(_("最後のエラー"), blank=True)
    delivered_at = models.DateTimeField(_("受領日時"), null=True, blank=True)
    # A fresh token per claimed attempt: the outcome is recorded only by the attempt that claimed.
    attempt_token = models.CharField(max_length=32, blank=True)

    class Meta:
        abstract = True

    def transition_to(self, target: str) -> None:
        ensure_transition(
            table=OUTBOUND_TRANSITIONS,
            choices=OutboundStatus,
            current=self.status,
            target=target,
            message=_("「%(current)s」の送信を「%(target)s」にすることはできません。"),
        )
        self.status = target


D = TypeVar("D", bound=OutboundDelivery)


class AttemptFailed(Exception):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class OutboundKind(Generic[D]):
    """What one kind of delivery supplies to the shared state machine."""

    model: type[D]
    # Inside the claim's transaction: lock and return the row to attempt next for ``key`` (a
    # subscriber's head, or the one delivery) with what its request needs, or None.
    next_for: Callable[[int], tuple[D, Any] | None]
    # The request of one claimed attempt (built after the claim, from the row as it is now).
    request: Callable[[D, Any, datetime], urllib.request.Request]
    # Enqueue the task that sends ``key`` again at ``run_after`` (called inside a transaction).
    enqueue: Callable[[int, datetime], None]
    # The ``key`` the delivery's task takes (its subscriber, or itself).
    key_of: Callable[[D], int]
    label: str
    # What a re-send's audit row names (its event and subscriber, its party and person): read with
    # the rows, not one query per row.
    related: tuple[str, ...] = ()
    # The dotted path of the delivery's task (``enqueue``'s): recovery looks for a waiting one.
    task_path: str = ""
    # The rows a task can still send (e.g. an active subscriber's): the only ones recovery queues for.
    recoverable: Q = field(default_factory=Q)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new destination: the registered URL is the only one posted to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]  # the stdlib's signature
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(kind: OutboundKind[D], *, key: int) -> int:
    """Attempt what is due for ``key`` until nothing is or an attempt is to be retried later;
    return how many were acknowledged. Never raises for an HTTP error."""
    delivered = 0
    while True:
        now = clock.now()
        claimed = _claim(kind, key=key, now=now)
        if claimed is None:
            return delivered
        delivery, target = claimed
        try:
            status = post_once(kind.request(delivery, target, now))
        except AttemptFailed as failure:
            if _record_failure(kind, delivery=delivery, failure=failure, now=now):
                continue  # failed for good: the next one goes
            return delivered
        _record_delivered(kind, delivery=delivery, status=status, now=now)
        delivered += 1


def recover(kind: OutboundKind[D], *, limit: int = 1000) -> int:
    """Queue the task of every key with a delivery overdue and no task waiting or running for it: a
    worker killed between taking the task and claiming the row, or while the row was ``sending``
    (the task then takes it again once stuck). Returns how many tasks it queued.

    The workers' maintenance pass (jobs/registry.py) calls it for each kind; a key whose task is
    still waiting in the queue is left to it, so a busy queue gets no duplicates.
    """
    now = clock.now()
    overdue = (
        kind.model._default_manager.filter(kind.recoverable)
        .filter(
            Q(status=OutboundStatus.PENDING, next_attempt_at__isnull=True)
            | Q(status=OutboundStatus.PENDING, next_attempt_at__lte=now - RECOVER_GRACE)
            | Q(status=OutboundStatus.SENDING, last_attempt_at__isnull=True)
            | Q(status=OutboundStatus.SENDING, last_attempt_at__lte=now - STUCK_AFTER)
        )
        .order_by("pk")[:limit]
    )
    keys = {kind.key_of(delivery) for delivery in overdue}
    if not keys:
        return 0
    waiting = DBTaskResult.objects.filter(task_path=kind.task_path, status__in=("READY", "RUNNING"))
    live = {args["args"][0] for args in waiting.values_list("args_kwargs", flat=True) if args.get("args")}
    missing = sorted(keys - live)
    with transaction.atomic():
        for key in missing:
            kind.enqueue(key, now)
    if missing:
        logger.warning(
            "%s: queued again for %s key(s) left without a task: %s", kind.label, len(missing), missing
        )
    return len(missing)


def retry_delay(*, attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: base, 2×base, 4×base, … (at most 6 hours)."""
    delay = timedelta(seconds=settings.EVENTS_WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return min(delay, MAX_RETRY_DELAY)


def post_once(request: urllib.request.Request) -> int:
    """Send one POST to a registered URL (redirects not followed); return its 2xx status, or raise
    ``AttemptFailed`` with the status or the network error."""
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


def is_stuck(delivery: OutboundDelivery, *, now: datetime) -> bool:
    """A ``sending`` attempt whose worker died (or none recorded): it may be taken again."""
    return delivery.status == OutboundStatus.SENDING and (
        delivery.last_attempt_at is None or delivery.last_attempt_at <= now - STUCK_AFTER
    )


def _due(delivery: OutboundDelivery, *, now: datetime) -> bool:
    if delivery.status == OutboundStatus.SENDING:
        return is_stuck(delivery, now=now)  # else another worker's attempt is in progress
    return delivery.next_attempt_at is None or delivery.next_attempt_at <= now


def _claim(kind: OutboundKind[D], *, key: int, now: datetime) -> tuple[D, Any] | None:
    with transaction.atomic():
        found = kind.next_for(key)
        if found is None or not _due(found[0], now=now):
            return None
        delivery = found[0]
        delivery.transition_to(OutboundStatus.SENDING)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.attempt_token = secrets.token_hex(16)
        _save(delivery, ["status", "attempts", "last_attempt_at", "attempt_token"])
    return found


def _record_delivered(kind: OutboundKind[D], *, delivery: D, status: int, now: datetime) -> None:
    with transaction.atomic():
        updated = kind.model._default_manager.filter(
            pk=delivery.pk, status=OutboundStatus.SENDING, attempt_token=delivery.attempt_token
        ).update(
            status=OutboundStatus.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            last_status=status,
            last_error="",
            **_stamp(kind.model),
        )
    if not updated:
        logger.warning("%s %s was acknowledged after its claim was taken over", kind.label, delivery.pk)


def _record_failure(kind: OutboundKind[D], *, delivery: D, failure: AttemptFailed, now: datetime) -> bool:
    """Plan the retry, or mark the delivery failed for good (returns True then)."""
    with transaction.atomic():
        current = kind.model._default_manager.select_for_update().filter(pk=delivery.pk).first()
        if current is None or current.attempt_token != delivery.attempt_token:
            return False
        if current.status != OutboundStatus.SENDING:
            return False
        current.last_status = failure.status
        current.last_error = str(failure)[:LAST_ERROR_MAX_CHARS]
        final = current.attempts >= settings.EVENTS_WEBHOOK_MAX_ATTEMPTS
        if final:
            current.transition_to(OutboundStatus.FAILED)
            current.next_attempt_at = None
        else:
            current.transition_to(OutboundStatus.PENDING)
            current.next_attempt_at = now + retry_delay(attempts=current.attempts)
            # Enqueued in the same transaction as the new status: the retry can't be lost.
            kind.enqueue(kind.key_of(current), current.next_attempt_at)
        _save(current, ["status", "next_attempt_at", "last_status", "last_error"])
    logger.warning("%s %s attempt %s failed: %s", kind.label, current.pk, current.attempts, failure)
    return final


def resend(kind: OutboundKind[D], *, delivery_ids: Iterable[int]) -> list[D]:
    """Put the failed (or stuck) deliveries among ``delivery_ids`` back to pending with their
    attempts reset, each with its task enqueued — call inside the service's transaction. Return the
    re-queued rows; a delivered or already pending one is left as it is."""
    now = clock.now()
    rows = (
        kind.model._default_manager.select_for_update(of=("self",))
        .select_related(*kind.related)
        .filter(pk__in=list(delivery_ids))
        .order_by("pk")
    )
    requeued = [row for row in rows if row.status == OutboundStatus.FAILED or is_stuck(row, now=now)]
    for row in requeued:
        row.transition_to(OutboundStatus.PENDING)
        row.attempts = 0
        row.next_attempt_at = now
        row.attempt_token = ""  # a stuck attempt coming back can no longer record its outcome
        _save(row, ["status", "attempts", "next_attempt_at", "attempt_token"])
    for key in sorted({kind.key_of(row) for row in requeued}):
        kind.enqueue(key, now)
    return requeued


def _stamp(model: type[models.Model]) -> dict[str, datetime]:
    """``updated_at`` for the models that keep one (a queryset update does not set ``auto_now``)."""
    return {"updated_at": clock.now()} if _has_updated_at(model) else {}


def _save(delivery: OutboundDelivery, fields: list[str]) -> None:
    delivery.save(update_fields=fields + (["updated_at"] if _has_updated_at(type(delivery)) else []))


def _has_updated_at(model: type[models.Model]) -> bool:
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)
