"""Classify one kept message and hand it to the one domain service of its kind (issue 14, item 2).

The contract the reader relies on (``calsreg.mailbox.reader``):
- ``message_process`` is called inside the reader's transaction, with ``message`` locked and in state
  ``RECEIVED``, and ``raw`` the bytes kept as its evidence;
- it makes at most one domain call, and leaves the row ``PROCESSED`` (something was recorded: an
  application, a reply, a change request, a bounce) or ``TRIAGE`` (for the desk, with the reason),
  ``kind``, ``reason``, ``recognised``, ``result_type``/``result_id`` and ``processed_at`` set and saved;
- a refusal by the domain (a workbook with problems…) is an outcome, not an exception; an exception
  means "could not be done now" (the database went away…): everything rolls back and the reader tries
  the message again on a later pass.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

from calsreg.core import clock
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState


def message_process(*, message: MailboxMessage, raw: bytes) -> None:
    """Placeholder until the classifier lands: every message goes to the triage list."""
    message.state = MessageState.TRIAGE
    message.kind = MessageKind.OTHER
    message.reason = gettext_noop("自動では処理しませんでした。内容を確認してください。")
    message.processed_at = clock.now()
    message.save(update_fields=["state", "kind", "reason", "processed_at", "updated_at"])
