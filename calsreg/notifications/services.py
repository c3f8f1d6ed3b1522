"""Writes of the notifications app: enqueue a notice, send what is due, re-send what got stuck,
record a bounce."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks_db import DatabaseBackend

from calsreg.core import clock
from calsreg.core.errors import DomainError, InvalidTransition
from calsreg.core.redaction import ERASED, Scrubber
from calsreg.core.subjects import subject_type_of
from calsreg.notifications.kinds import kind_label
from calsreg.notifications.models import Delivery, DeliveryStatus, OutboxMessage, StaffNoticeKind, send_lease
from calsreg.notifications.rendering import ensure_template, requeue_check
from calsreg.notifications.staff_services import staff_notice_post
from calsreg.notifications.tasks import SendOutcome, delivery_send, send_delivery
from calsreg.records.services import Actor, audit_record

logger = logging.getLogger(__name__)


def notification_enqueue(
    *,
    kind: str,
    to: str,
    context: dict[str, Any],
    subject: models.Model,
    idempotency_key: str,
    language: str = "ja",
) -> Delivery:
    """Record a notice to send and enqueue its sending task — call inside the caller's transaction.

    With the database task backend both are INSERTs in that transaction (transactional outbox): a
    rolled-back change sends nothing, a committed one can't lose its notice. If a delivery with
    ``idempotency_key`` exists it is returned unchanged and nothing is enqueued (the first call
    wins), so a notice is never sent twice.

    Raises ValueError for a programming error: unknown kind or language, a template missing, a
    malformed address, an unsaved subject.
    """
    ensure_template(kind=kind, language=language)
    try:
        validate_email(to)
    except ValidationError as exc:
        raise ValueError(f"invalid recipient address {to!r}") from exc
    if subject.pk is None:
        raise ValueError("the subject of a notice must be saved first")
    with transaction.atomic():
        existing = Delivery.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    kind=kind,
                    to_address=to,
                    language=language,
                    context=context,
                    subject_type=subject_type_of(subject),
                    subject_id=subject.pk,
                    idempotency_key=idempotency_key,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=clock.now(),
                )
        except IntegrityError:
            # A concurrent transaction inserted the same key and committed first.
            return Delivery.objects.get(idempotency_key=idempotency_key)
        _enqueue(delivery=delivery)
    return delivery


def deliveries_send_due(*, now: datetime | None = None) -> int:
    """Send every pending delivery due at ``now``, synchronously, in due order; return how many
    were sent. The same per-delivery function as the task, so the two can run side by side: a row
    is claimed by one of them only."""
    now = now or clock.now()
    due_ids = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)
    )
    outcomes = [delivery_send(delivery_id=delivery_id, now=now) for delivery_id in due_ids]
    return outcomes.count(SendOutcome.SENT)


@transaction.atomic
def delivery_requeue(*, delivery_id: int, actor: Actor, now: datetime | None = None) -> Delivery:
    """The desk re-sends a failed delivery, or one stuck in ``sending`` (after checking the mail
    server's log for its ``message_id``): a fresh series of attempts, recorded in the audit log.

    Raises InvalidTransition for a pending or sent delivery, or for one whose attempt may still be
    in progress (claimed less than the send lease ago); DomainError when the kind's owner
    refuses the re-send (see ``rendering.register_requeue_check``).
    """
    now = now or clock.now()
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.status == DeliveryStatus.SENDING and not _is_stuck(delivery=delivery, now=now):
        raise InvalidTransition(
            _("送信処理中のメールです。しばらくしてから再送してください。"),
            current=delivery.status,
            target=DeliveryStatus.PENDING,
        )
    if delivery.status not in {DeliveryStatus.FAILED, DeliveryStatus.SENDING}:
        delivery.transition_to(DeliveryStatus.PENDING)  # raises InvalidTransition (pending, sent)
    requeue_check(delivery=delivery)
    _requeue(delivery=delivery, actor=actor, now=now)
    return delivery


@dataclass(frozen=True)
class RequeueOutcome:
    """What a batch re-send did: the rows sent again, and the ones refused with the reason."""

    requeued: list[Delivery] = field(default_factory=list)
    refused: list[tuple[Delivery, str]] = field(default_factory=list)


@transaction.atomic
def deliveries_requeue(
    *, delivery_ids: Iterable[int], actor: Actor, now: datetime | None = None
) -> RequeueOutcome:
    """The desk re-sends several failed or stuck deliveries at once, in one transaction, each
    audited like ``delivery_requeue``.

    Idempotent: a row that is pending, sent, or still being sent is left as it is and counted in
    neither list — re-sending twice (a double click, two operators) sends once. A row whose kind's
    owner refuses the re-send is listed in ``refused`` with the reason and left unchanged.
    """
    now = now or clock.now()
    ids = sorted({int(pk) for pk in delivery_ids})
    outcome = RequeueOutcome()
    # Locked in id order: two batches over overlapping rows can't deadlock.
    for delivery in Delivery.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        if not _is_troubled(delivery=delivery, now=now):
            continue
        try:
            requeue_check(delivery=delivery)
        except DomainError as refusal:
            outcome.refused.append((delivery, str(refusal.message)))
            continue
        _requeue(delivery=delivery, actor=actor, now=now)
        outcome.requeued.append(delivery)
    return outcome


@transaction.atomic
def delivery_bounce_record(*, delivery: Delivery, reason: str, at: datetime) -> Delivery:
    """A bounce of ``delivery`` was received: the mail is failed for good, with the bounce's status
    and diagnostic as ``last_error``, so the desk's failed-mail list shows it and it can be re-sent.

    Idempotent: a second bounce of the same mail changes nothing more. A delivery not yet sent (a
    bounce of an earlier attempt while a retry waits) keeps its status and only records the bounce.
    """
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.bounced_at is not None:
        return delivery
    previous = {"status": delivery.status, "last_error": delivery.last_error}
    delivery.bounced_at = at
    delivery.last_error = reason.strip()[:2000] or "bounced"
    if delivery.status in {DeliveryStatus.SENT, DeliveryStatus.SENDING}:
        delivery.transition_to(DeliveryStatus.FAILED)
        delivery.next_attempt_at = None
        delivery.failure_transient = False
    delivery.save(
        update_fields=[
            "status",
            "bounced_at",
            "last_error",
            "next_attempt_at",
            "failure_transient",
            "updated_at",
        ]
    )
    audit_record(
        actor=Actor.system("mailbox"),
        action="notification.bounced",
        subject=delivery,
        at=at,
        summary=f"{delivery.kind} → {delivery.to_address}",
        data={**previous, "reason": delivery.last_error, "message_id": delivery.message_id},
    )
    staff_notice_post(
        kind=StaffNoticeKind.MAIL_FAILED,
        subject=delivery,
        at=at,
        # No address here: a notice outlives the retention purge of the people it would name.
        summary=gettext_noop("%(kind)s（送信番号 %(number)s）が配信できずに戻ってきました。"),
        summary_params={"kind": str(kind_label(delivery.kind)), "number": delivery.pk},
    )
    return delivery


def _is_troubled(*, delivery: Delivery, now: datetime) -> bool:
    """Failed, or stuck in ``sending``: what the desk may send again."""
    if delivery.status == DeliveryStatus.FAILED:
        return True
    return delivery.status == DeliveryStatus.SENDING and _is_stuck(delivery=delivery, now=now)


def _requeue(*, delivery: Delivery, actor: Actor, now: datetime) -> None:
    """Back to pending with a fresh series of attempts, audited."""
    previous = {
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "message_id": delivery.message_id,
    }
    delivery.transition_to(DeliveryStatus.PENDING)
    delivery.attempts = 0
    delivery.first_attempt_at = None  # a fresh retry budget
    delivery.next_attempt_at = now
    delivery.save(update_fields=["status", "attempts", "first_attempt_at", "next_attempt_at", "updated_at"])
    _enqueue(delivery=delivery)
    audit_record(
        actor=actor,
        action="notification.requeued",
        subject=delivery,
        at=now,
        summary=f"{delivery.kind} → {delivery.to_address}",
        data=previous,
    )


def _is_stuck(*, delivery: Delivery, now: datetime) -> bool:
    return delivery.last_attempt_at is None or delivery.last_attempt_at <= now - send_lease()


def enqueue_send(*, delivery: Delivery) -> None:
    """Enqueue the sending task of ``delivery`` (inside the caller's transaction)."""
    _enqueue(delivery=delivery)


def _enqueue(*, delivery: Delivery) -> None:
    if isinstance(send_delivery.get_backend(), DatabaseBackend):
        send_delivery.enqueue(delivery.pk)
    else:
        # A backend outside the database (immediate, dummy) would otherwise send before the
        # caller's transaction commits — possibly a notice for a change that is then rolled back.
        transaction.on_commit(lambda: send_delivery.enqueue(delivery.pk))


@transaction.atomic
def deliveries_personal_data_erase(
    *, deliveries: models.QuerySet[Delivery], scrub: Scrubber, emails: Collection[str]
) -> int:
    """Scrub the people's values from ``deliveries`` and their outbox copies (the retention purge).

    A mail to one of ``emails`` (lower case) loses its address, and gets a neutral idempotency key (the
    old one held a digest of the address); a mail to a supervisor about the project keeps the
    supervisor's (directory) address. Returns how many deliveries were scrubbed.
    """
    rows = list(deliveries)
    for delivery in rows:
        if delivery.to_address.strip().lower() in emails:
            delivery.to_address = ERASED
            delivery.idempotency_key = f"purged:{delivery.pk}"
        delivery.context = scrub.json(delivery.context)
        delivery.last_error = scrub.text(delivery.last_error)
    Delivery.objects.bulk_update(
        rows, ["to_address", "context", "last_error", "idempotency_key"], batch_size=500
    )
    messages = list(OutboxMessage.objects.filter(delivery__in=[d.pk for d in rows]).order_by("pk"))
    for message in messages:
        before = (message.to_addresses, message.subject, message.body)
        message.to_addresses = scrub.text(message.to_addresses)
        message.subject = scrub.text(message.subject)
        message.body = scrub.text(message.body)
        if (message.to_addresses, message.subject, message.body) != before:
            # The MIME source encodes the same text (quoted-printable, encoded words): dropped whole.
            message.raw = ERASED
    OutboxMessage.objects.bulk_update(messages, ["to_addresses", "subject", "body", "raw"], batch_size=500)
    return len(rows)
