"""The event types a subscribing service must mirror (docs/events.md lists their payloads)."""

from __future__ import annotations

from django.db import models


class EventType(models.TextChoices):
    PROJECT_REGISTERED = "project.registered"
    PROJECT_STARTED = "project.started"
    PROJECT_SUSPENDED = "project.suspended"
    PROJECT_REINSTATED = "project.reinstated"
    PROJECT_DETAILS_CHANGED = "project.details_changed"
    PROJECT_CLOSED = "project.closed"
    ACCOUNT_ISSUED = "account.issued"
    ACCOUNT_ACTIVATED = "account.activated"
    ACCOUNT_CHANGED = "account.changed"
    ACCOUNT_CLOSED = "account.closed"
    ACCOUNT_ANONYMISED = "account.anonymised"
    ACCOUNT_SESSIONS_ENDED = "account.sessions_ended"
    MEMBERSHIP_ADDED = "membership.added"
    MEMBERSHIP_REMOVED = "membership.removed"
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed"


# The events after which the person (or every member of the project) must be signed out everywhere.
SESSION_ENDING_TYPES = frozenset(
    {
        EventType.PROJECT_SUSPENDED,
        EventType.PROJECT_CLOSED,
        EventType.MEMBERSHIP_REMOVED,
        EventType.ACCOUNT_CLOSED,
        EventType.ACCOUNT_ANONYMISED,
        EventType.ACCOUNT_SESSIONS_ENDED,
    }
)
