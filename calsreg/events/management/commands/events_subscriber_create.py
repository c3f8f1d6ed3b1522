"""Register a service that receives the lifecycle events, and print its two secrets, once.

    manage.py events_subscriber_create <name> [--webhook-url https://…] [--client-id <OIDC client>]

The signing secret (for the webhooks' HMAC) is kept in the database, because computing an HMAC
needs it; the feed token is stored as a SHA-256 digest only. Neither is shown again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from calsreg.core.errors import ValidationFailed
from calsreg.events.services import subscriber_create
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "Register an event subscriber; its signing secret and feed token are printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the subscribing service's name (unique)")
        parser.add_argument(
            "--webhook-url", default="", help="https URL the events are POSTed to (none: feed only)"
        )
        parser.add_argument("--client-id", default="", help="the service's OpenID Connect client ID")

    def handle(self, *args, name: str, webhook_url: str, client_id: str, **options) -> None:
        try:
            made = subscriber_create(
                name=name,
                webhook_url=webhook_url,
                client_id=client_id,
                actor=Actor.system("manage.py events_subscriber_create"),
            )
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        self.stdout.write(_("イベントの購読者「%(name)s」を登録しました。") % {"name": made.subscriber.name})
        self.stdout.write(_("次の2つは今だけ表示します。安全な場所に保管してください:"))
        self.stdout.write(f"signing secret: {made.signing_secret}")
        self.stdout.write(f"feed token: {made.feed_token}")
