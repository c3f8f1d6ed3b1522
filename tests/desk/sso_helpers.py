"""Builders for the desk's single sign-on tests: a registered party with its subscriber, delivery
rows in a stated status, and a snapshot of everything a refused request must leave as it was."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django_tasks_db.models import DBTaskResult
from oauth2_provider.models import Application

from calsreg.accounts.models import User
from calsreg.events.models import Event, Subscriber, WebhookDelivery, WebhookStatus
from calsreg.events.services import SubscriberSecrets, subscriber_create
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.sso.models import BackchannelEndpoint, LogoutDelivery, SignIn
from calsreg.sso.services import RegisteredParty, relying_party_register

JST = dt.timezone(dt.timedelta(hours=9))
T0 = dt.datetime(2026, 12, 7, 10, tzinfo=JST)
REDIRECT_URI = "https://share.example.jp/oidc/callback"
BACKCHANNEL_URI = "https://share.example.jp/oidc/backchannel-logout"
WEBHOOK_URL = "https://share.example.jp/hooks/calsreg"


def party(name: str = "情報共有システム", *, confidential: bool = True) -> RegisteredParty:
    return relying_party_register(
        name=name,
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[],
        confidential=confidential,
        first_party=True,
        backchannel_logout_uri=BACKCHANNEL_URI,
        actor=Actor.system("test"),
    )


def subscriber(registered: RegisteredParty) -> SubscriberSecrets:
    return subscriber_create(
        name=registered.application.name,
        webhook_url=WEBHOOK_URL,
        client_id=registered.application.client_id,
        actor=Actor.system("test"),
    )


def event(type: str = "account.closed", *, at: dt.datetime = T0, account_id: str = "") -> Event:
    return Event.objects.create(type=type, occurred_at=at, account_id=account_id, payload={})


def webhook(sub: Subscriber, *, status: str = WebhookStatus.FAILED, at: dt.datetime = T0) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        event=event(at=at),
        subscriber=sub,
        status=status,
        attempts=12 if status == WebhookStatus.FAILED else 1,
        last_status=503 if status == WebhookStatus.FAILED else 200,
        last_error="HTTP 503" if status == WebhookStatus.FAILED else "",
        last_attempt_at=at,
        delivered_at=at if status == WebhookStatus.DELIVERED else None,
    )


def logout(
    application: Application,
    user: User,
    *,
    status: str = "failed",
    at: dt.datetime = T0,
    ev: Event | None = None,
    ended: SignIn | None = None,
) -> LogoutDelivery:
    """The logout token sent for ``user`` at ``application``; ``ended``: the sign-in it ended."""
    return LogoutDelivery.objects.create(
        event=ev or event(at=at, account_id=user.username),
        application=application,
        user=user,
        sign_in=ended,
        sid=ended.sid if ended else None,
        sub=user.subject,
        status=status,
        attempts=12 if status == "failed" else 1,
        last_status=500 if status == "failed" else 200,
        last_error="HTTP 500" if status == "failed" else "",
        last_attempt_at=at,
        created_at=at,
    )


def sign_in(application: Application, user: User, *, at: dt.datetime = T0, **extra: Any) -> SignIn:
    return SignIn.objects.create(
        token_family=uuid.uuid4(),
        user=user,
        application=application,
        signed_in_at=at,
        expires_at=at + dt.timedelta(hours=10),
        **extra,
    )


def state() -> dict[str, Any]:
    """Everything a desk SSO request could change: a refused one must leave each value as it was."""
    return {
        "parties": list(Application.objects.order_by("pk").values_list("pk", "client_id", "client_secret")),
        "endpoints": list(BackchannelEndpoint.objects.order_by("pk").values_list("pk", "uri")),
        "subscribers": list(
            Subscriber.objects.order_by("pk").values_list(
                "pk", "signing_secret", "feed_token_hash", "webhook_url"
            )
        ),
        "webhooks": list(
            WebhookDelivery.objects.order_by("pk").values_list("pk", "status", "attempts", "next_attempt_at")
        ),
        "logouts": list(
            LogoutDelivery.objects.order_by("pk").values_list("pk", "status", "attempts", "next_attempt_at")
        ),
        "audit": AuditEvent.objects.count(),
        "tasks": DBTaskResult.objects.count(),
    }
