"""Replace an event subscriber's signing secret (or, with --feed-token, its feed token) and print
the new one, once. The old signing secret still signs beside the new one for
``EVENTS_SECRET_OVERLAP_SECONDS``; an old feed token stops working at once.

    manage.py events_subscriber_rotate_secret <name> [--feed-token]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from calsreg.events.models import Subscriber
from calsreg.events.services import subscriber_rotate_secret
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "Replace a subscriber's signing secret (or feed token); the new one is printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the subscriber's name")
        parser.add_argument("--feed-token", action="store_true", help="replace the feed token instead")

    def handle(self, *args, name: str, feed_token: bool, **options) -> None:
        subscriber = Subscriber.objects.filter(name=name).first()
        if subscriber is None:
            raise CommandError(_("購読者「%(name)s」はいません。") % {"name": name})
        made = subscriber_rotate_secret(
            subscriber=subscriber,
            feed_token=feed_token,
            actor=Actor.system("manage.py events_subscriber_rotate_secret"),
        )
        self.stdout.write(_("次の値は今だけ表示します。安全な場所に保管してください:"))
        if feed_token:
            self.stdout.write(f"feed token: {made.feed_token}")
        else:
            self.stdout.write(f"signing secret: {made.signing_secret}")
