"""Sending one delivery: the django-tasks task and the function it shares with the safety net.

At-most-once. An attempt is *claimed* (status ``sending``, committed) before the SMTP conversation
and marked ``sent`` after it, in a second transaction. If the process dies between the two — the
mail may or may not have left — the row stays in ``sending`` and nothing resends it automatically.
That is deliberate: for this service a duplicated notice (worst case: a second credentials mail) is
worse than a late one, which the help desk finds with ``deliveries_stuck`` and re-sends with
``delivery_requeue`` after checking the mail server's log for the row's ``message_id``.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks import task

from calsreg.core import clock
from calsreg.notifications.kinds import kind_label
from calsreg.notifications.message import NoticeMessage
from calsreg.notifications.models import Delivery, DeliveryStatus, StaffNoticeKind
from calsreg.notifications.rendering import render_delivery
from calsreg.notifications.staff_services import staff_notice_post

logger = logging.getLogger(__name__)

DELIVERY_HEADER = "X-Calsreg-Delivery"
LAST_ERROR_MAX_CHARS = 2000


class SendOutcome(enum.StrEnum):
    SENT = "sent"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"
    SKIPPED = "skipped"  # not pending, not yet due, or gone


@task(queue_name="mail")
def send_delivery(delivery_id: int) -> str:
    """Worker entry point. Never raises for a mail error: retries are our rows, not the queue's."""
    return delivery_send(delivery_id=delivery_id).value


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> SendOutcome:
    """Send one delivery if it is pending and due at ``now``; record the outcome.

    Safe to call for the same row from several workers at once: only one can claim it.
    """
    now = now or clock.now()
    delivery = _claim(delivery_id=delivery_id, now=now)
    if delivery is None:
        return SendOutcome.SKIPPED
    # Crash window starts: "sending" is committed, the mail is about to leave (see module doc).
    try:
        _send(delivery=delivery)
    except Exception as exc:
        return _record_failure(delivery=delivery, error=exc, now=now)
    _record_sent(delivery=delivery, now=now)
    return SendOutcome.SENT


def retry_delay(*, attempts: int) -> timedelta:
    """Back-off after the ``attempts``-th failed attempt: base, 2×base, 4×base, …"""
    return timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def _claim(*, delivery_id: int, now: datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            logger.warning("delivery %s no longer exists", delivery_id)
            return None
        due = delivery.next_attempt_at is not None and delivery.next_attempt_at <= now
        if delivery.status != DeliveryStatus.PENDING or not due:
            return None
        delivery.transition_to(DeliveryStatus.SENDING)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        # A fresh Message-ID per attempt; it also serves as the claim token below.
        delivery.message_id = make_msgid(domain=_sender_domain())
        delivery.save(update_fields=["status", "attempts", "last_attempt_at", "message_id", "updated_at"])
    return delivery


def _send(*, delivery: Delivery) -> None:
    mail = render_delivery(delivery=delivery)
    message = NoticeMessage(
        subject=mail.subject,
        body=mail.body,
        kept_subject=mail.kept_subject,
        kept_body=mail.kept_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.to_address],
        headers={
            "Message-ID": delivery.message_id,
            DELIVERY_HEADER: str(delivery.pk),
            # RFC 3834: tells auto-responders (out-of-office) not to answer.
            "Auto-Submitted": "auto-generated",
        },
    )
    message.encoding = "utf-8"
    if message.send(fail_silently=False) != 1:
        raise RuntimeError("the mail backend accepted no message")


def _record_sent(*, delivery: Delivery, now: datetime) -> None:
    # Conditional on our claim: if the desk re-queued the row meanwhile, its decision stands.
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, message_id=delivery.message_id
        ).update(status=DeliveryStatus.SENT, sent_at=now, next_attempt_at=None, updated_at=clock.now())
    if not updated:
        logger.warning("delivery %s was sent but had been re-queued meanwhile", delivery.pk)


def _record_failure(*, delivery: Delivery, error: Exception, now: datetime) -> SendOutcome:
    text = f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX_CHARS]
    with transaction.atomic():
        current = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None or current.status != DeliveryStatus.SENDING:
            return SendOutcome.SKIPPED
        if current.message_id != delivery.message_id:
            return SendOutcome.SKIPPED
        current.last_error = text
        if current.attempts < settings.MAIL_MAX_ATTEMPTS and not _is_permanent(error):
            current.transition_to(DeliveryStatus.PENDING)
            current.next_attempt_at = now + retry_delay(attempts=current.attempts)
            current.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
            # Enqueued in the same transaction as the new status: the retry can't be lost.
            send_delivery.using(run_after=current.next_attempt_at).enqueue(current.pk)
            logger.warning(
                "delivery %s attempt %s failed, retry at %s: %s",
                current.pk,
                current.attempts,
                current.next_attempt_at,
                text,
            )
            return SendOutcome.RETRY_SCHEDULED
        current.transition_to(DeliveryStatus.FAILED)
        current.next_attempt_at = None
        current.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
        staff_notice_post(
            kind=StaffNoticeKind.MAIL_FAILED,
            subject=current,
            at=now,
            # No address here: a notice outlives the retention purge of the people it would name.
            summary=gettext_noop("%(kind)s（送信番号 %(number)s）を送信できませんでした。"),
            summary_params={"kind": str(kind_label(current.kind)), "number": current.pk},
        )
        logger.error(
            "delivery %s failed for good after %s attempt(s): %s", current.pk, current.attempts, text
        )
        return SendOutcome.FAILED


def _is_permanent(error: Exception) -> bool:
    """Every recipient refused with a 5xx (e.g. 550 no such user): retrying cannot help.

    Other 5xx replies (authentication, sender) are our configuration's fault and may be fixed before
    the next attempt, so they are retried like any other error.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        return all(code >= 500 for code, _reply in error.recipients.values())
    return False


def _sender_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "calsreg.invalid"
