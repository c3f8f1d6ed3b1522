"""Registering a relying party with its event subscriber (the desk's one call): the party and, with a
webhook URL, its subscriber, in one transaction — a refusal of either leaves neither."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from calsreg.core.errors import ValidationFailed
from calsreg.events.services import SubscriberSecrets, subscriber_create, webhook_url_errors
from calsreg.records.services import Actor
from calsreg.sso.services import RegisteredParty, relying_party_register


@dataclass(frozen=True)
class Registration:
    """What the administrator must see once: the client secret, and the subscriber's secrets."""

    party: RegisteredParty
    subscriber: SubscriberSecrets | None


@transaction.atomic
def party_register(*, arguments: dict[str, Any], webhook_url: str, actor: Actor) -> Registration:
    """Every refusal of both services at once (the webhook URL's with the party's)."""
    url_errors = webhook_url_errors(webhook_url.strip())
    try:
        party = relying_party_register(**arguments, actor=actor)
    except ValidationFailed as refused:
        raise ValidationFailed(errors=[*refused.errors, *url_errors]) from refused
    if url_errors:
        raise ValidationFailed(errors=url_errors)
    subscriber = None
    if webhook_url.strip():
        subscriber = subscriber_create(
            name=party.application.name,
            webhook_url=webhook_url,
            client_id=party.application.client_id,
            actor=actor,
        )
    return Registration(party=party, subscriber=subscriber)
