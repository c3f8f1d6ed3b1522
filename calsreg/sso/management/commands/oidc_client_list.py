"""List the registered relying parties (never a secret: only hashes are stored)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from calsreg.sso.selectors import relying_parties


class Command(BaseCommand):
    help = "List the OpenID Connect relying parties."

    def handle(self, *args, **options) -> None:
        for party in relying_parties():
            first_party = "first-party" if party.skip_authorization else "consent"
            backchannel = getattr(getattr(party, "sso_backchannel", None), "uri", "-")
            self.stdout.write(
                f"{party.client_id}\t{party.name}\t{party.client_type}\t{first_party}\t{party.redirect_uris}"
                f"\t{backchannel}"
            )
