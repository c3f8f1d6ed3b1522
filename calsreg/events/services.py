"""Writes of the events app: record an event (with its webhook deliveries), manage subscribers,
erase personal values from events.

``event_record`` is called by the service that makes the change, inside its transaction: the event,
one delivery per active subscriber and their sending tasks are INSERTs of that transaction
(transactional outbox, as for mail), so a rolled-back change leaves no event and sends nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend

from calsreg.core import clock
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.core.outbound import resend
from calsreg.core.redaction import ERASED, Scrubber
from calsreg.core.secrets import secret_generate, secret_hash
from calsreg.events.models import Event, Subscriber, WebhookDelivery, WebhookStatus
from calsreg.events.tasks import WEBHOOKS, send_webhooks
from calsreg.events.types import SESSION_ENDING_TYPES, EventType
from calsreg.records.services import Actor, audit_record

FEED_TOKEN_PREFIX = "cse_"  # noqa: S105 — a marker that makes a leaked token recognisable
SIGNING_SECRET_PREFIX = "whsec_"  # noqa: S105
TOKEN_DISPLAY_PREFIX_LENGTH = len(FEED_TOKEN_PREFIX) + 6
NAME_MAX_LENGTH = 100
# The account's personal values an event may carry (the claims); erased when the account is.
ACCOUNT_PERSONAL_KEYS = ("name", "kana", "email")
_LOOPBACK_HOSTS = frozenset({"localhost"})


@transaction.atomic
def event_record(
    *,
    type: str,
    payload: Mapping[str, Any],
    at: datetime,
    project_number: str = "",
    account_id: str = "",
) -> Event:
    """Record an event and a webhook delivery of it to each active subscriber — call inside the
    transaction of the change. ``payload`` carries the claims' data only (docs/events.md)."""
    if type not in EventType.values:
        raise ValueError(f"unknown event type {type!r}")
    event = Event.objects.create(
        type=type, occurred_at=at, project_number=project_number, account_id=account_id, payload=dict(payload)
    )
    now = clock.now()
    subscribers = list(Subscriber.objects.filter(active=True).exclude(webhook_url="").order_by("pk"))
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(event=event, subscriber=s, status=WebhookStatus.PENDING, next_attempt_at=now)
            for s in subscribers
        ]
    )
    for subscriber in subscribers:
        _enqueue(send_webhooks, subscriber.pk)
    if type in SESSION_ENDING_TYPES and settings.EVENTS_SESSION_END_TASK:
        # By dotted path: the back-channel logout lives in sso, above this app.
        _enqueue(import_string(settings.EVENTS_SESSION_END_TASK), event.pk)
    return event


def _enqueue(task: Task[..., Any], argument: int) -> None:
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(argument)
    else:
        # A backend outside the database would otherwise run before the change commits.
        transaction.on_commit(lambda: task.enqueue(argument))


@transaction.atomic
def events_personal_data_erase(
    *,
    renames: Mapping[str, str],
    scrub: Scrubber | None = None,
    project_number: str = "",
    subjects: Mapping[str, str] | None = None,
) -> int:
    """Erase the personal values of the renamed (anonymised) accounts from every event about them;
    return how many events were looked at.

    ``renames`` maps an old account ID to its anonymised one: events name the account by the new ID
    from then on, and its name, kana and e-mail become ERASED. The retention purge also passes its
    ``scrub`` and the purged ``project_number``: the scrubber then runs over every event of those
    accounts (old or new ID) and of that project, for any value copied elsewhere. ``subjects`` maps
    an anonymised account's old ``sub`` to its new one, so no event but the next names the old.
    """
    about = Q(account_id__in=[*renames, *renames.values()])
    if project_number:
        about |= Q(project_number=project_number)
    if not renames and not project_number:
        return 0
    rows = list(Event.objects.select_for_update().filter(about).order_by("pk"))
    for event in rows:
        event.account_id = renames.get(event.account_id, event.account_id)
        payload = _accounts_erased(event.payload, renames=renames, subjects=subjects or {})
        event.payload = scrub.json(payload) if scrub is not None else payload
    Event.objects.bulk_update(rows, ["account_id", "payload"], batch_size=500)
    return len(rows)


def _accounts_erased(value: Any, *, renames: Mapping[str, str], subjects: Mapping[str, str]) -> Any:
    """``value`` with every account object of a renamed account (a dict holding its ``account_id``)
    renamed, given its new ``sub`` and stripped of its personal values."""
    if isinstance(value, list):
        return [_accounts_erased(item, renames=renames, subjects=subjects) for item in value]
    if not isinstance(value, dict):
        return value
    out = {key: _accounts_erased(item, renames=renames, subjects=subjects) for key, item in value.items()}
    sub = out.get("sub")
    if isinstance(sub, str) and sub in subjects:
        out["sub"] = subjects[sub]
    old = out.get("account_id")
    if isinstance(old, str) and old in renames:
        out["account_id"] = renames[old]
        for key in ACCOUNT_PERSONAL_KEYS:
            if out.get(key):
                out[key] = ERASED
    return out


@dataclass(frozen=True)
class SubscriberSecrets:
    """A subscriber and the secrets made for it. They exist in clear only here: show them once."""

    subscriber: Subscriber
    signing_secret: str = ""
    feed_token: str = ""


@transaction.atomic
def subscriber_create(*, name: str, webhook_url: str, client_id: str, actor: Actor) -> SubscriberSecrets:
    """Register a subscriber with a new signing secret and feed token.

    Raises ``ValidationFailed`` for an empty, too long or taken name, or a webhook URL that is not
    https (plain http only to this machine, in development and tests).
    """
    name = name.strip()
    webhook_url = webhook_url.strip()
    errors = _name_errors(name) + webhook_url_errors(webhook_url)
    if errors:
        raise ValidationFailed(errors=errors)
    signing_secret = secret_generate(prefix=SIGNING_SECRET_PREFIX)
    feed_token = secret_generate(prefix=FEED_TOKEN_PREFIX)
    subscriber = Subscriber.objects.create(
        name=name,
        client_id=client_id.strip(),
        webhook_url=webhook_url,
        signing_secret=signing_secret,
        feed_token_prefix=feed_token[:TOKEN_DISPLAY_PREFIX_LENGTH],
        feed_token_hash=secret_hash(feed_token),
    )
    audit_record(
        actor=actor,
        action="events.subscriber_created",
        subject=subscriber,
        summary=gettext_noop("イベントの購読者「%(name)s」を登録しました。"),
        summary_params={"name": name},
        data={"webhook_url": webhook_url, "client_id": subscriber.client_id},
    )
    return SubscriberSecrets(subscriber=subscriber, signing_secret=signing_secret, feed_token=feed_token)


@transaction.atomic
def subscriber_rotate_secret(*, subscriber: Subscriber, feed_token: bool, actor: Actor) -> SubscriberSecrets:
    """Replace the subscriber's signing secret (or, with ``feed_token``, its feed token).

    The old feed token stops working now; the old signing secret still signs beside the new one
    for ``EVENTS_SECRET_OVERLAP_SECONDS`` (docs/events.md)."""
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if feed_token:
        token = secret_generate(prefix=FEED_TOKEN_PREFIX)
        subscriber.feed_token_prefix = token[:TOKEN_DISPLAY_PREFIX_LENGTH]
        subscriber.feed_token_hash = secret_hash(token)
        subscriber.save(update_fields=["feed_token_prefix", "feed_token_hash", "updated_at"])
        secrets_made = SubscriberSecrets(subscriber=subscriber, feed_token=token)
    else:
        # The old secret keeps signing beside the new one for the overlap: a receiver still holding
        # it rejects nothing while it is being updated. A second rotation drops the oldest.
        subscriber.previous_signing_secret = subscriber.signing_secret
        subscriber.previous_signing_secret_until = clock.now() + timedelta(
            seconds=settings.EVENTS_SECRET_OVERLAP_SECONDS
        )
        subscriber.signing_secret = secret_generate(prefix=SIGNING_SECRET_PREFIX)
        subscriber.save(
            update_fields=[
                "signing_secret",
                "previous_signing_secret",
                "previous_signing_secret_until",
                "updated_at",
            ]
        )
        secrets_made = SubscriberSecrets(subscriber=subscriber, signing_secret=subscriber.signing_secret)
    audit_record(
        actor=actor,
        action="events.subscriber_secret_rotated",
        subject=subscriber,
        summary=(
            gettext_noop("イベントの購読者「%(name)s」のフィード用トークンを更新しました。")
            if feed_token
            else gettext_noop("イベントの購読者「%(name)s」の署名用シークレットを更新しました。")
        ),
        summary_params={"name": subscriber.name},
    )
    return secrets_made


@transaction.atomic
def webhook_deliveries_resend(*, delivery_ids: Iterable[int], actor: Actor) -> int:
    """Send the failed (or stuck) webhook deliveries among ``delivery_ids`` again from their first
    attempt, each audited; return how many were re-queued. A delivered or already pending one is
    left as it is (0 then): re-sending twice sends once."""
    requeued = resend(WEBHOOKS, delivery_ids=delivery_ids)
    for delivery in requeued:
        audit_record(
            actor=actor,
            action="events.webhook_resent",
            subject=delivery,
            summary=gettext_noop("イベント「%(type)s」のWebhookを購読者「%(name)s」に再送します。"),
            summary_params={"type": delivery.event.type, "name": delivery.subscriber.name},
            data={"event_id": str(delivery.event.public_id), "subscriber_id": delivery.subscriber_id},
        )
    return len(requeued)


def subscriber_authenticate(*, token: str) -> Subscriber | None:
    """The active subscriber holding the feed ``token``, stamping its last use; None otherwise."""
    if not token:
        return None
    subscriber = Subscriber.objects.filter(feed_token_hash=secret_hash(token), active=True).first()
    if subscriber is None:
        return None
    # A plain UPDATE (no lock, no audit row): a use is not a change of the subscriber.
    Subscriber.objects.filter(pk=subscriber.pk).update(feed_last_used_at=clock.now())
    return subscriber


def webhook_url_errors(url: str) -> list[FieldError]:
    """An empty URL (feed only) or an https one; plain http only to a loopback address when
    ``EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK`` is on (development and tests)."""
    if not url:
        return []
    parts = urlsplit(url)
    host = parts.hostname or ""
    allowed = parts.scheme == "https" or (
        parts.scheme == "http" and settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK and _is_loopback(host)
    )
    if allowed and host and not parts.username and not parts.password and len(url) <= 500:
        return []
    return [
        FieldError(
            field="webhook_url",
            label=_("Webhook URL"),
            message=_(
                "Webhook URLは https:// で始まるURL（500文字以内、認証情報を含めない）を入力してください。"
            ),
        )
    ]


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _name_errors(name: str) -> list[FieldError]:
    if not name or len(name) > NAME_MAX_LENGTH:
        message = _("名前を%(max)s文字以内で入力してください。") % {"max": NAME_MAX_LENGTH}
    elif Subscriber.objects.filter(name=name).exists():
        message = _("「%(name)s」という購読者は既に登録されています。別の名前にしてください。") % {
            "name": name
        }
    else:
        return []
    return [FieldError(field="name", label=_("名前"), message=message)]
