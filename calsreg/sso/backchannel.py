"""Back-channel logout: end a person's sign-ins at every relying party after a lifecycle event
that ends sessions, and write the logout tokens to send (one per event and sign-in, naming the
person's ``sub`` and the sign-in's ``sid``).

Run by the worker (``sso.tasks.backchannel_logout_for_event``), which the events layer enqueues in
the transaction of the change: a rolled-back change enqueues nothing, so signs nobody out.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from oauth2_provider.models import AccessToken, Application, RefreshToken

from calsreg.accounts.models import Membership, User
from calsreg.core import clock
from calsreg.events.models import Event
from calsreg.events.types import EventType
from calsreg.sso.models import BackchannelEndpoint, LogoutDelivery, LogoutStatus, SignIn

_PROJECT_TYPES = frozenset({EventType.PROJECT_SUSPENDED, EventType.PROJECT_CLOSED})


def people_of(event: Event) -> list[User]:
    """Whose sessions the event ends: the project's members, or the one account it names."""
    if event.type in _PROJECT_TYPES:
        members = Membership.objects.filter(project__project_number=event.project_number)
        return list(User.objects.filter(pk__in=members.values("user_id")).order_by("pk"))
    if not event.account_id:
        return []
    return list(User.objects.filter(username=event.account_id))


@transaction.atomic
def sessions_end_for_event(*, event_id: int) -> list[int]:
    """End the sign-ins of the event's people and write their logout deliveries (never twice);
    return the ids of the deliveries written now."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return []
    now = clock.now()
    written: list[int] = []
    for user in people_of(event):
        written += _sessions_end(event=event, user=user, now=now)
    return written


def subject_of_event(*, event: Event, user: User) -> str:
    """The ``sub`` the parties know ``user`` by: the account's own, except for ``account.anonymised``,
    which carries the one the account had (it has a new one since)."""
    if event.type == EventType.ACCOUNT_ANONYMISED:
        return str(event.payload["account"]["sub"])
    return str(user.subject)


def _sessions_end(*, event: Event, user: User, now: datetime) -> list[int]:
    sub = subject_of_event(event=event, user=user)
    if event.type == EventType.ACCOUNT_ANONYMISED:
        # Earlier logouts name the old ``sub`` no more: only this event's do, until sent.
        LogoutDelivery.objects.filter(user=user).exclude(event=event).update(sub=user.subject)
    live = list(
        SignIn.objects.select_for_update()
        .filter(user=user, ended_at__isnull=True, expires_at__gt=now)
        .order_by("pk")
    )
    if not live:
        return []
    SignIn.objects.filter(pk__in=[s.pk for s in live]).update(ended_at=now)
    party_ids = sorted({s.application_id for s in live})
    for application in Application.objects.filter(pk__in=party_ids).order_by("pk"):
        _tokens_revoke(user=user, application=application)
    takes_logouts = set(
        BackchannelEndpoint.objects.filter(application_id__in=party_ids).values_list(
            "application_id", flat=True
        )
    )
    written = []
    for sign_in in live:
        if sign_in.application_id not in takes_logouts:
            continue
        delivery, created = LogoutDelivery.objects.get_or_create(
            event=event,
            sign_in=sign_in,
            defaults={
                "application_id": sign_in.application_id,
                "user": user,
                "sub": sub,
                "sid": sign_in.sid,
                "next_attempt_at": now,
                "created_at": now,
                "status": LogoutStatus.PENDING,
            },
        )
        if created:
            written.append(delivery.pk)
    return written


def _tokens_revoke(*, user: User, application: Application) -> None:
    """The party's refresh and access tokens of the person stop working now."""
    for refresh in RefreshToken.objects.filter(user=user, application=application, revoked__isnull=True):
        refresh.revoke()
    AccessToken.objects.filter(user=user, application=application).delete()
