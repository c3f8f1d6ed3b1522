"""Give a confidential relying party a new client secret, printed once; the old one stops at once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from calsreg.core.errors import DomainError
from calsreg.records.services import Actor
from calsreg.sso.services import relying_party_secret_rotate


class Command(BaseCommand):
    help = "Replace a confidential relying party's client secret; the new one is printed once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("client_id")

    def handle(self, *args, client_id: str, **options) -> None:
        try:
            secret = relying_party_secret_rotate(
                client_id=client_id, actor=Actor.system("manage.py oidc_client_rotate_secret")
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write("client_secret (shown only now; only its hash is stored):")
        self.stdout.write(secret)
