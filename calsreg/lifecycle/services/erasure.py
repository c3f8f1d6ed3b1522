"""The erasure itself, one function per kind of row in a ``PurgeScope``. Called by ``purge.py``
inside its transaction; each returns how many rows it changed.

What is kept, and why (docs/retention.md): company name, project data and the billing address —
the invoices, kept for years, reproduce them; the rows themselves, their times and states, and
who acted — the records must still show what happened; evidence checksums — the record that an
original existed. Invoices and their PDFs are not touched here at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.db import models

from calsreg.accounts.models import User
from calsreg.accounts.services.anonymise import account_anonymise, anonymous_requested_part
from calsreg.changes.catalog import item_spec
from calsreg.changes.models import ChangeKind
from calsreg.lifecycle.redaction import ERASED, Redactor, erase_all
from calsreg.lifecycle.selectors import PurgeScope
from calsreg.notifications.models import Delivery, OutboxMessage
from calsreg.records.models import AuditEvent
from calsreg.records.services import evidence_purge

APPLICATION_PERSONAL_FIELDS = (
    "applicant_name",
    "applicant_kana",
    "applicant_email",
    "applicant_phone",
    "contractor_representative",
)
APPLICATION_USER_FIELDS = ("name", "kana", "email", "phone")
# Kinds whose items are about people: their before/after values are erased whole.
PERSONAL_KINDS = frozenset({ChangeKind.USERS, ChangeKind.DISCLOSURE, ChangeKind.DELETION})


def _erased(value: str) -> str:
    return ERASED if value else value


def _save_changed(instance: models.Model, before: dict[str, Any], fields: list[str]) -> int:
    changed = [name for name in fields if getattr(instance, name) != before[name]]
    if changed:
        instance.save(update_fields=changed)
    return 1 if changed else 0


def _snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def accounts_anonymise(*, scope: PurgeScope) -> dict[str, str]:
    """Anonymise the scope's accounts (accounts.services.anonymise); return ``{old ID: new ID}``."""
    renames: dict[str, str] = {}
    for user in User.objects.select_for_update().filter(pk__in=[u.pk for u in scope.accounts]).order_by("pk"):
        old = user.username
        renames[old] = account_anonymise(user=user)
    return renames


def application_erase(*, scope: PurgeScope, redactor: Redactor, now: datetime) -> int:
    application = scope.application
    fields = [*APPLICATION_PERSONAL_FIELDS, "decision_reason", "notices", "personal_data_purged_at"]
    for name in APPLICATION_PERSONAL_FIELDS:
        setattr(application, name, _erased(getattr(application, name)))
    application.decision_reason = redactor.text(application.decision_reason)
    application.notices = redactor.json(application.notices)
    application.personal_data_purged_at = now
    application.save(update_fields=[*fields, "updated_at"])
    for user in scope.application_users:
        for name in APPLICATION_USER_FIELDS:
            setattr(user, name, _erased(getattr(user, name)))
        user.requested_id = anonymous_requested_part(user.pk)
        user.save(update_fields=[*APPLICATION_USER_FIELDS, "requested_id"])
    if scope.project is not None:
        before = _snapshot(scope.project, ["closed_reason"])
        scope.project.closed_reason = redactor.text(scope.project.closed_reason)
        _save_changed(scope.project, before, ["closed_reason"])
    return 1 + len(scope.application_users)


def item_is_personal(kind: str, field: str) -> bool:
    """Whether a change item's before/after are a person's values (the catalog says; else its kind)."""
    spec = item_spec(field)
    if spec is not None:
        return spec.personal or spec.kind in PERSONAL_KINDS
    return kind in PERSONAL_KINDS or kind == ChangeKind.CONTACT


def change_requests_erase(*, scope: PurgeScope, redactor: Redactor, now: datetime) -> int:
    for request in scope.change_requests:
        request.requester_name = _erased(request.requester_name)
        request.requester_phone = _erased(request.requester_phone)
        request.requester_email = _erased(request.requester_email)
        request.reason = redactor.text(request.reason)
        request.decision_note = redactor.text(request.decision_note)
        request.notices = redactor.json(request.notices)
        request.personal_data_purged_at = now
        request.save(
            update_fields=[
                "requester_name",
                "requester_phone",
                "requester_email",
                "reason",
                "decision_note",
                "notices",
                "personal_data_purged_at",
                "updated_at",
            ]
        )
    fields = ["target", "before", "after", "outcome"]
    for item in scope.change_items:
        before = _snapshot(item, fields)
        scrub = erase_all if item_is_personal(item.kind, item.field) else redactor.json
        item.before = scrub(item.before)
        item.after = scrub(item.after)
        item.target = redactor.text(item.target)
        item.outcome = redactor.text(item.outcome)
        _save_changed(item, before, fields)
    fields = ["contact", "contact_name", "phone_number", "note"]
    for call in scope.call_backs:
        call.contact = redactor.text(call.contact)
        call.contact_name = _erased(call.contact_name)
        call.phone_number = _erased(call.phone_number)
        call.note = _erased(call.note)
        call.save(update_fields=fields)
    return len(scope.change_requests)


def verification_erase(*, scope: PurgeScope, redactor: Redactor) -> int:
    """The supervisors' side: their directory addresses stay, the reply's sender and notes go."""
    changed = 0
    for request in scope.confirmations:
        before = _snapshot(request, ["reply_from", "reason"])
        request.reply_from = _erased(request.reply_from)
        request.reason = redactor.text(request.reason)
        changed += _save_changed(request, before, ["reply_from", "reason"])
    for reply in scope.unlisted_replies:
        # Not the directory's address: whoever sent it, it is erased like any person's value.
        before = _snapshot(reply, ["sender", "reason", "message_id"])
        reply.sender = _erased(reply.sender)
        reply.reason = redactor.text(reply.reason)
        reply.message_id = _erased(reply.message_id)
        changed += _save_changed(reply, before, ["sender", "reason", "message_id"])
    for call in scope.phone_calls:
        before = _snapshot(call, ["note"])
        call.note = redactor.text(call.note)
        changed += _save_changed(call, before, ["note"])
    return changed


def evidence_erase(*, scope: PurgeScope, redactor: Redactor, now: datetime) -> int:
    """Delete every original of the scope (forms, mails, call records); the rows keep their checksums."""
    purged = 0
    for evidence in scope.evidence:
        before = _snapshot(evidence, ["original_name", "note"])
        evidence.original_name = redactor.text(evidence.original_name)
        evidence.note = redactor.text(evidence.note)
        _save_changed(evidence, before, ["original_name", "note"])
        purged += evidence_purge(evidence=evidence, at=now)
    return purged


def deliveries_erase(*, scope: PurgeScope, redactor: Redactor, emails: set[str]) -> int:
    """Mails to the people lose their address; every mail of the scope loses their values.

    A mail to a supervisor about the project keeps the supervisor's (directory) address. A mail
    to a person also gets a neutral idempotency key (the old one held a digest of the address).
    """
    deliveries = list(scope.deliveries())
    fields = ["to_address", "context", "last_error", "idempotency_key"]
    for delivery in deliveries:
        to_person = delivery.to_address.strip().lower() in emails
        if to_person:
            delivery.to_address = ERASED
            delivery.idempotency_key = f"purged:{delivery.pk}"
        delivery.context = redactor.json(delivery.context)
        delivery.last_error = redactor.text(delivery.last_error)
    Delivery.objects.bulk_update(deliveries, fields, batch_size=500)
    messages = list(scope.outbox_messages())
    for message in messages:
        before = (message.to_addresses, message.subject, message.body)
        message.to_addresses = redactor.text(message.to_addresses)
        message.subject = redactor.text(message.subject)
        message.body = redactor.text(message.body)
        if (message.to_addresses, message.subject, message.body) != before:
            # The MIME source encodes the same text (quoted-printable, encoded words): dropped whole.
            message.raw = ERASED
    OutboxMessage.objects.bulk_update(messages, ["to_addresses", "subject", "body", "raw"], batch_size=500)
    return len(deliveries)


def audit_erase(*, scope: PurgeScope, redactor: Redactor, renames: dict[str, str]) -> int:
    """The people's values leave the audit log of the scope; action, time and actor stay.

    An anonymised account acting keeps its row as the actor, labelled with its new ID; an applicant
    (labelled by e-mail address) becomes "（消去済み）".
    """
    accounts = {user.pk: user for user in scope.accounts}
    events = list(scope.audit_events())
    for event in events:
        if event.actor_id in accounts:
            event.actor_label = renames.get(event.actor_label, redactor.text(event.actor_label))
        else:
            event.actor_label = redactor.text(event.actor_label)
        event.summary_params = redactor.json(event.summary_params)
        event.data = redactor.json(event.data)
    AuditEvent.objects.bulk_update(events, ["actor_label", "summary_params", "data"], batch_size=500)
    entries = list(scope.admin_log_entries())
    for entry in entries:
        entry.object_repr = redactor.text(entry.object_repr)[:200]
        entry.change_message = redactor.text(entry.change_message)
    LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"], batch_size=500)
    return len(events)
