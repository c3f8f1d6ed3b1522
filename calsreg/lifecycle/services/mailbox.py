"""Erasing received mail past its own retention period (docs/retention.md, "Received mail").

Mail that became nothing kept — on the triage list, handled, a second copy, a bounce, an auto-reply
— is erased ``MAILBOX_RETENTION_DAYS`` after its last handling (``mailbox.retention``); mail that
became an application, a change request or a reply is erased with it by ``purge._purge``. Each
message becomes a tombstone: its raw evidence is deleted (the row and checksum stay), the mailbox
app erases its sender, subject and what was recognised, the mails sent about it (a refusal to the
sender) and its audit records lose the values. One batch per transaction, under the lock that keeps
file deletions out of a running backup; running again erases nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from email.utils import getaddresses

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from calsreg.core import clock
from calsreg.core.subjects import subject_type_of
from calsreg.lifecycle.redaction import Redactor, personal_values_in
from calsreg.mailbox.models import MailboxMessage
from calsreg.mailbox.retention import mailbox_messages_due_for_purge
from calsreg.mailbox.services import mailbox_messages_personal_data_erase
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import deliveries_personal_data_erase
from calsreg.records.backup.lock import file_deletion_lock
from calsreg.records.models import AuditEvent
from calsreg.records.services import (
    Actor,
    AuditEntry,
    audit_events_personal_data_erase,
    audit_record_many,
    evidence_personal_data_erase,
)

MAILBOX_PURGE_BATCH = 200


def mailbox_messages_purge_due(*, today: date | None = None, actor: Actor) -> int:
    """Erase every received message of its own retention past it on ``today`` (Japan); return how many.

    Batches of ``MAILBOX_PURGE_BATCH``, each its own transaction; an error stops the run (the next
    run carries on where it stopped: erased messages are no longer due).
    """
    today = today or clock.today()
    erased = 0
    while True:
        with file_deletion_lock():
            done = _batch_purge(today=today, actor=actor, now=clock.now())
        erased += done
        if done < MAILBOX_PURGE_BATCH:
            return erased


@transaction.atomic
def _batch_purge(*, today: date, actor: Actor, now: datetime) -> int:
    # Locked and checked again: another run may be erasing the same messages.
    ids = list(mailbox_messages_due_for_purge(today=today).values_list("pk", flat=True)[:MAILBOX_PURGE_BATCH])
    messages = list(
        MailboxMessage.objects.select_for_update(skip_locked=True).filter(pk__in=ids).order_by("pk")
    )
    if not messages:
        return 0
    values = _message_values(messages)
    scrub = Redactor(values=values)
    ids = [message.pk for message in messages]
    subject_type = subject_type_of(MailboxMessage)
    evidence_personal_data_erase(evidence_ids=[m.evidence_id for m in messages], scrub=scrub, now=now)
    deliveries_personal_data_erase(
        deliveries=Delivery.objects.filter(subject_type=subject_type, subject_id__in=ids).order_by("pk"),
        scrub=scrub,
        emails={value.strip().lower() for value in values if "@" in value},
    )
    audit_events_personal_data_erase(
        events=AuditEvent.objects.filter(subject_type=subject_type, subject_id__in=ids).order_by("pk"),
        scrub=scrub,
        renames={},
        renamed_actor_ids=(),
    )
    mailbox_messages_personal_data_erase(message_ids=ids, scrub=scrub)
    summary = gettext_noop("保存期間（%(days)s日）を過ぎた受信メールの個人データを消去しました。")
    audit_record_many(
        actor=actor,
        entries=[
            AuditEntry(
                action="mailbox_message.personal_data_purged",
                subject=message,
                summary=summary,
                summary_params={"days": settings.MAILBOX_RETENTION_DAYS},
                data={"retention_days": settings.MAILBOX_RETENTION_DAYS, "state": message.state},
            )
            for message in messages
        ],
        at=now,
    )
    return len(messages)


def _message_values(messages: list[MailboxMessage]) -> set[str]:
    """The sender (whole, display name and address), the subject and the personal values recognised."""
    values: set[str] = set()
    for message in messages:
        values |= {message.from_address, message.subject_line}
        for name, address in getaddresses([message.from_address]):
            values |= {name, address}
        values |= personal_values_in(message.recognised)
    return {value for value in values if value and value.strip()}
