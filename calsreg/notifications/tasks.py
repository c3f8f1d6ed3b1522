"""Sending one delivery: the django-tasks task and the function it shares with the safety net.

At-least-once, with a stable Message-ID. An attempt is *claimed* (status ``sending``, a fresh claim
token, committed) before the SMTP conversation and marked ``sent`` after it, in a second
transaction. The row's Message-ID is made at the first claim and kept by every later attempt: it is
the idempotency key, so a notice sent again is the same message to the recipient's mail client.

If the worker dies between the two transactions, the row stays ``sending`` until its lease
(``MAIL_SEND_LEASE_SECONDS``) runs out; ``recovery.deliveries_recover`` then puts it back to pending
and it is sent again with the same Message-ID. The only window for a duplicate is between the
server's 250 reply to DATA and our commit of ``sent`` — and that duplicate carries the same
Message-ID. A failure is retried with a doubling back-off (``retry_delay``) for ``MAIL_RETRY_HOURS``
from the first attempt; a 5xx refusal of every recipient fails at once. A row that failed for a
transient reason is sent again automatically once the server answers (recovery), or from the desk.
"""

from __future__ import annotations

import enum
import logging
import secrets
import smtplib
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop
from django_tasks import task

from calsreg.core import clock
from calsreg.notifications.kinds import AUTO_REPLIED_KINDS, kind_label
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
    """Back-off after the ``attempts``-th failed attempt: base, 2×base, 4×base, … up to the cap."""
    base = settings.MAIL_RETRY_BASE_SECONDS
    cap = settings.MAIL_RETRY_MAX_SECONDS
    # Capped before the power grows: 2 ** attempts stays small for the first few attempts only.
    return timedelta(seconds=min(cap, base * 2 ** min(attempts - 1, 32)))


def retry_deadline(*, first_attempt_at: datetime) -> datetime:
    """No attempt of a series is planned after this; a failure at or past it is final."""
    return first_attempt_at + timedelta(hours=settings.MAIL_RETRY_HOURS)


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
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = now
        # Kept across attempts, even after a "known" failure: a timeout after DATA is recorded as a
        # failure although the server may have taken the mail, so no outcome short of 250 is known.
        if not delivery.message_id:
            delivery.message_id = make_msgid(domain=_sender_domain())
        delivery.claim_token = secrets.token_hex(16)
        delivery.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "first_attempt_at",
                "message_id",
                "claim_token",
                "updated_at",
            ]
        )
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
            "Auto-Submitted": "auto-replied" if delivery.kind in AUTO_REPLIED_KINDS else "auto-generated",
        },
    )
    message.encoding = "utf-8"
    if message.send(fail_silently=False) != 1:
        raise RuntimeError("the mail backend accepted no message")


def _record_sent(*, delivery: Delivery, now: datetime) -> None:
    # Conditional on our claim. A row put back to pending after our lease ran out still holds our
    # token until it is claimed again: the mail did leave, so it is recorded and not sent twice.
    with transaction.atomic():
        updated = Delivery.objects.filter(
            pk=delivery.pk,
            status__in=[DeliveryStatus.SENDING, DeliveryStatus.PENDING],
            claim_token=delivery.claim_token,
        ).update(
            status=DeliveryStatus.SENT,
            sent_at=now,
            next_attempt_at=None,
            failure_transient=False,
            updated_at=clock.now(),
        )
    if not updated:
        # Claimed again after our lease ran out: that attempt carries the same Message-ID.
        logger.warning("delivery %s was sent after another attempt had claimed it", delivery.pk)


def _record_failure(*, delivery: Delivery, error: Exception, now: datetime) -> SendOutcome:
    text = f"{type(error).__name__}: {error}"[:LAST_ERROR_MAX_CHARS]
    with transaction.atomic():
        current = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
        if current is None or current.status != DeliveryStatus.SENDING:
            return SendOutcome.SKIPPED
        if current.claim_token != delivery.claim_token:
            return SendOutcome.SKIPPED
        current.last_error = text
        current.failure_transient = not _is_permanent(error)
        deadline = retry_deadline(first_attempt_at=current.first_attempt_at or now)
        if current.failure_transient and now < deadline:
            current.transition_to(DeliveryStatus.PENDING)
            # The last attempt of the budget is made at its end, not one back-off before it.
            current.next_attempt_at = min(now + retry_delay(attempts=current.attempts), deadline)
            current.save(
                update_fields=["status", "next_attempt_at", "last_error", "failure_transient", "updated_at"]
            )
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
        current.save(
            update_fields=["status", "next_attempt_at", "last_error", "failure_transient", "updated_at"]
        )
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
