"""The reply to the sender of a refused workbook, naming each problem — sent only where a reply
can do no harm (RFC 3834): never to an automatic, bulk or list mail, a null sender, the system's own
addresses or an address that bounced, and at most ``MAILBOX_REPLIES_PER_SENDER_PER_DAY`` a day."""

from __future__ import annotations

import enum
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from calsreg.core import clock
from calsreg.core.email_address import email_address_key
from calsreg.mailbox.classify import no_reply_marker
from calsreg.mailbox.models import MailboxMessage
from calsreg.mailbox.parsing import ParsedMail
from calsreg.notifications.selectors import address_bounced, deliveries_to_count
from calsreg.notifications.services import notification_enqueue

REFUSAL_KIND = "mailbox_workbook_refused"
REPLY_WINDOW = timedelta(hours=24)


class ReplyOutcome(enum.StrEnum):
    SENT = "sent"
    NO_SENDER = "no_sender"  # no single readable sender address
    NOT_TO_AUTOMATIC = "not_to_automatic"  # auto-submitted, bulk, list, null sender
    OWN_ADDRESS = "own_address"
    BOUNCED = "bounced"
    RATE_LIMITED = "rate_limited"


def own_domains() -> set[str]:
    """The domains the system sends from and reads at: a mail from them is never answered (no loop)."""
    addresses = [settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL, settings.HELP_DESK_EMAIL]
    return {parseaddr(address)[1].rpartition("@")[2].lower() for address in addresses if "@" in address}


def refusal_reply(
    *, message: MailboxMessage, mail: ParsedMail, filename: str, problems: list[dict[str, str]]
) -> ReplyOutcome:
    """Queue the reply naming ``problems`` to the mail's sender — inside the caller's transaction,
    so a processing that rolls back sends nothing — or say why none is sent."""
    address = mail.sender
    try:
        validate_email(address)
    except ValidationError:
        return ReplyOutcome.NO_SENDER
    if no_reply_marker(mail):
        return ReplyOutcome.NOT_TO_AUTOMATIC
    if email_address_key(address).rpartition("@")[2] in own_domains():
        return ReplyOutcome.OWN_ADDRESS
    if address_bounced(address=address):
        return ReplyOutcome.BOUNCED
    since = clock.now() - REPLY_WINDOW
    if deliveries_to_count(kind=REFUSAL_KIND, address=address, since=since) >= (
        settings.MAILBOX_REPLIES_PER_SENDER_PER_DAY
    ):
        return ReplyOutcome.RATE_LIMITED
    notification_enqueue(
        kind=REFUSAL_KIND,
        to=address,
        subject=message,
        idempotency_key=f"{REFUSAL_KIND}:{message.pk}",
        language="ja",
        context={"filename": filename, "original_subject": mail.subject[:200], "problems": problems},
    )
    return ReplyOutcome.SENT
