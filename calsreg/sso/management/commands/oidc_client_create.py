"""Register a relying party and print its client ID (and, for a confidential one, its secret, once).

    manage.py oidc_client_create "情報共有システム" --redirect-uri https://share.example.jp/oidc/callback \
        [--post-logout-redirect-uri https://share.example.jp/] [--public] [--first-party] \
        [--backchannel-logout-uri https://share.example.jp/oidc/backchannel-logout]
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from calsreg.core.errors import ValidationFailed
from calsreg.records.services import Actor
from calsreg.sso.services import relying_party_register


class Command(BaseCommand):
    help = "Register an OpenID Connect relying party; a confidential party's secret is printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the party's name, shown on the consent page and in the audit log")
        parser.add_argument(
            "--redirect-uri", action="append", required=True, help="exact redirect URI (repeatable)"
        )
        parser.add_argument("--post-logout-redirect-uri", action="append", default=[], help="repeatable")
        parser.add_argument("--public", action="store_true", help="a public client (no secret; PKCE only)")
        parser.add_argument("--first-party", action="store_true", help="skip the consent page")
        parser.add_argument(
            "--backchannel-logout-uri", default="", help="exact URL that receives logout tokens (optional)"
        )

    def handle(self, *args, **options) -> None:
        try:
            registered = relying_party_register(
                name=options["name"],
                redirect_uris=options["redirect_uri"],
                post_logout_redirect_uris=options["post_logout_redirect_uri"],
                confidential=not options["public"],
                first_party=options["first_party"],
                backchannel_logout_uri=options["backchannel_logout_uri"],
                actor=Actor.system("manage.py oidc_client_create"),
            )
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        application = registered.application
        self.stdout.write(f"client_id: {application.client_id}")
        self.stdout.write(f"client_type: {application.client_type}")
        if registered.secret is not None:
            self.stdout.write("client_secret (shown only now; only its hash is stored):")
            self.stdout.write(registered.secret)
