"""The staff digest mail: for the operators who opted in, what arrived since their last digest,
in one mail (run daily by the jobs, or ``manage.py staff_digest``)."""

from __future__ import annotations

from django.db import transaction

from calsreg.notifications.models import StaffInbox, StaffNotice
from calsreg.notifications.services import notification_enqueue
from calsreg.notifications.staff_selectors import audiences_of, notice_text, staff_digest_recipients

DIGEST_KIND = "staff_digest"
DIGEST_MAX_LINES = 50


def staff_digests_send() -> int:
    """The daily digest: one mail per opted-in operator holding the notices for them since their
    last digest (none when nothing arrived). Returns how many mails were enqueued."""
    sent = 0
    for inbox in staff_digest_recipients():
        with transaction.atomic():
            if _digest_send(inbox=inbox):
                sent += 1
    return sent


def _digest_send(*, inbox: StaffInbox) -> bool:
    inbox = StaffInbox.objects.select_for_update().select_related("user").get(pk=inbox.pk)
    notices = list(
        StaffNotice.objects.filter(
            audience__in=audiences_of(inbox.user), id__gt=inbox.digest_sent_up_to
        ).order_by("id")
    )
    if not notices or not inbox.user.email:
        return False
    last = notices[-1].pk
    notification_enqueue(
        kind=DIGEST_KIND,
        to=inbox.user.email,
        subject=inbox,
        # One digest per operator and last notice: a second run the same day sends nothing twice.
        idempotency_key=f"{DIGEST_KIND}:{inbox.user_id}:{last}",
        context={
            "recipient_name": str(inbox.user),
            "count": len(notices),
            "lines": [notice_text(n) for n in notices[-DIGEST_MAX_LINES:]],
            "more": max(0, len(notices) - DIGEST_MAX_LINES),
        },
    )
    inbox.digest_sent_up_to = last
    inbox.save(update_fields=["digest_sent_up_to"])
    return True
