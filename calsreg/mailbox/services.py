"""Writes of the mailbox app that are not the reading or the processing of a message.

- ``mailbox_messages_personal_data_erase``: the retention purge's erasure of the mailbox app's own
  rows (docs/retention.md). The purge (``calsreg.lifecycle``) decides which messages are due and
  erases their evidence, mails and audit records through their owners; this erases what the rows
  themselves say about the people.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from calsreg.core.redaction import Scrubber, erase_all, erased, save_changed
from calsreg.mailbox.models import MailboxMessage


@transaction.atomic
def mailbox_messages_personal_data_erase(*, message_ids: Collection[int], scrub: Scrubber) -> int:
    """Make tombstones of ``message_ids``: the sender and subject are erased, everything that was
    recognised loses its values (keys and structure stay), the reason and last error lose the
    values ``scrub`` knows. State, kind, triage reason, times, keys and the result stay for the
    audit. Returns how many rows changed; a row erased already changes nothing."""
    changed = 0
    for message in MailboxMessage.objects.select_for_update().filter(pk__in=list(message_ids)).order_by("pk"):
        changed += save_changed(
            message,
            {
                "from_address": erased(message.from_address),
                "subject_line": erased(message.subject_line),
                "recognised": erase_all(message.recognised),
                "reason": scrub.text(message.reason),
                "last_error": scrub.text(message.last_error),
            },
        )
    return changed
