"""The demo's mail backend: every message becomes an OutboxMessage row the desk can read.

Demo and laptop use only (settings: CALSREG_EMAIL_BACKEND=outbox); production uses SMTP. It keeps
a notice's kept copy (``NoticeMessage.kept_copy``): initial passwords and links that grant access are
withheld, so every help-desk user can read the outbox without reading anyone's credentials.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from calsreg.core import clock
from calsreg.notifications.message import kept_form
from calsreg.notifications.models import Delivery, OutboxMessage
from calsreg.notifications.tasks import DELIVERY_HEADER


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self._store(message)
            except Exception:
                if not self.fail_silently:
                    raise
            else:
                sent += 1
        return sent

    def _store(self, sent: EmailMessage) -> None:
        message = kept_form(sent)
        mime = message.message()
        with transaction.atomic():
            OutboxMessage.objects.create(
                sent_at=clock.now(),
                from_address=message.from_email,
                to_addresses=", ".join(message.recipients()),
                subject=str(message.subject),
                body=str(message.body),
                # Django encodes text parts as UTF-8 (8bit or quoted-printable), headers as ASCII.
                raw=mime.as_bytes(linesep="\n").decode("utf-8", errors="replace"),
                message_id=str(mime["Message-ID"] or ""),
                delivery_id=_delivery_id(message),
            )


def _delivery_id(message: EmailMessage) -> int | None:
    value = message.extra_headers.get(DELIVERY_HEADER, "")
    if not str(value).isdigit():
        return None
    delivery_id = int(value)
    # Only link a row that exists, so a stray header can't break the foreign key.
    return delivery_id if Delivery.objects.filter(pk=delivery_id).exists() else None
