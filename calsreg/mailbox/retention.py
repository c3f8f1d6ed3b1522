"""Reads for the retention of received mail: which kept messages are past their retention period.

A received message holds personal data (its sender, its text, an attached workbook). What happens
to it depends on what it became (docs/retention.md):

- it became an application, a change request or a supervisor's reply (``result_type`` names one of
  ``FOLLOWS_RESULT``): it is part of that record and is erased with it, by the purge of the
  application it belongs to (``messages_resulting_in``), never on its own;
- anything else — on the triage list, handled by the desk, a second copy, a bounce, an auto-reply —
  is kept ``MAILBOX_RETENTION_DAYS`` after its last handling and then erased
  (``mailbox_messages_due_for_purge``).

An erased message stays as a tombstone (its row, state, times and the checksum of its evidence):
its evidence's ``purged_at`` tells it from a message still kept. A message not yet processed
(``RECEIVED``) is never due: the reader still has to finish it.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from calsreg.mailbox.models import MailboxMessage, MessageState

# The records a message can become whose own retention it then follows (model names, as in
# ``MailboxMessage.result_type`` and the purge scope's subjects).
FOLLOWS_RESULT = ("application", "changerequest", "confirmationrequest", "unlistedsenderreply")


def mailbox_retention_cutoff(*, today: date) -> datetime:
    """Messages last handled before this moment are past MAILBOX_RETENTION_DAYS (days in Japan):
    with 90 days, one handled on 2027-01-10 is kept to 2027-04-09 and erased from 2027-04-10."""
    first_kept_day = today - timedelta(days=settings.MAILBOX_RETENTION_DAYS) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(first_kept_day, time.min))


def last_handled() -> Coalesce:
    """When the desk or the processing last dealt with a message (its arrival if neither did)."""
    return Coalesce("handled_at", "processed_at", "arrived_at")


def mailbox_messages_due_for_purge(*, today: date) -> QuerySet[MailboxMessage]:
    """Messages of their own retention past it on ``today`` and not yet erased (oldest first)."""
    return (
        MailboxMessage.objects.exclude(state=MessageState.RECEIVED)
        .exclude(result_type__in=FOLLOWS_RESULT)
        .filter(evidence__purged_at__isnull=True)
        .annotate(last_handled=last_handled())
        .filter(last_handled__lt=mailbox_retention_cutoff(today=today))
        .order_by("last_handled", "pk")
    )


def messages_resulting_in(*, subjects: Mapping[str, Set[int]]) -> QuerySet[MailboxMessage]:
    """Messages that became one of ``subjects`` (model name → primary keys), e.g. an application's
    purge scope: they are erased with it."""
    query = Q(pk__in=[])
    for name in FOLLOWS_RESULT:
        ids = subjects.get(name)
        if ids:
            query |= Q(result_type=name, result_id__in=sorted(ids))
    return MailboxMessage.objects.filter(query).order_by("pk")
