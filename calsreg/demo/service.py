"""Demo: register the demo information-sharing service (``demo_service/``) as a relying party and an
events subscriber, and hand it its secrets through a file on this machine.

Both processes run on the same machine in the demo, so calsreg writes the client ID and secret, the
webhook signing secret and the feed token to ``var/demo-service.json`` (mode 0600), which the demo
service reads at start. A real service receives them from the administrator instead
(``oidc_client_create``, ``events_subscriber_create``). Idempotent: a file that still matches the
database and the addresses is kept; otherwise the service is registered anew (new secrets).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings

from calsreg.events.models import Subscriber
from calsreg.events.services import subscriber_create, subscriber_rotate_secret
from calsreg.records.services import Actor
from calsreg.sso.selectors import relying_party_of
from calsreg.sso.services import relying_party_register

SERVICE_NAME = "情報共有システム（デモ）"
CONFIG_PATH = Path(settings.BASE_DIR) / "var" / "demo-service.json"


def load_demo_service(*, service_url: str, issuer: str, path: Path = CONFIG_PATH) -> bool:
    """Register the demo service at ``service_url`` for calsreg at ``issuer``; True when (re)registered."""
    service_url, issuer = service_url.rstrip("/"), issuer.rstrip("/")
    if _still_valid(path=path, service_url=service_url, issuer=issuer):
        return False
    actor = Actor.system("demo")
    party = relying_party_register(
        name=SERVICE_NAME,
        redirect_uris=[f"{service_url}/callback/"],
        post_logout_redirect_uris=[f"{service_url}/"],
        confidential=True,
        first_party=True,
        backchannel_logout_uri=f"{service_url}/backchannel-logout/",
        actor=actor,
    )
    client_id = party.application.client_id
    signing_secret, feed_token = _subscriber_secrets(
        name=_subscriber_name(service_url),
        webhook_url=f"{service_url}/hooks/calsreg/",
        client_id=client_id,
        actor=actor,
    )
    config = {
        "issuer": issuer,
        "base_url": service_url,
        "client_id": client_id,
        "client_secret": party.secret,
        "signing_secret": signing_secret,
        "feed_token": feed_token,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(config, file, ensure_ascii=False, indent=2)
    return True


def _subscriber_name(service_url: str) -> str:
    # One subscriber per address, so a demo moved to another port gets its own webhook URL.
    return f"{SERVICE_NAME} {service_url}"[:100]


def _subscriber_secrets(*, name: str, webhook_url: str, client_id: str, actor: Actor) -> tuple[str, str]:
    subscriber = Subscriber.objects.filter(name=name).first()
    if subscriber is None:
        made = subscriber_create(name=name, webhook_url=webhook_url, client_id=client_id, actor=actor)
        return made.signing_secret, made.feed_token
    # The file with the secrets was lost: both are shown only once, so make new ones.
    signing = subscriber_rotate_secret(subscriber=subscriber, feed_token=False, actor=actor).signing_secret
    token = subscriber_rotate_secret(subscriber=subscriber, feed_token=True, actor=actor).feed_token
    return signing, token


def _still_valid(*, path: Path, service_url: str, issuer: str) -> bool:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        config.get("base_url") == service_url
        and config.get("issuer") == issuer
        and relying_party_of(client_id=str(config.get("client_id", ""))) is not None
        and Subscriber.objects.filter(name=_subscriber_name(service_url), active=True).exists()
    )
