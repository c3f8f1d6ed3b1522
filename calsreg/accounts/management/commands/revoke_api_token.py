"""Revoke an API token, named by the prefix shown when it was issued.

manage.py revoke_api_token <prefix>
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from calsreg.accounts.models import ApiToken
from calsreg.accounts.services import api_token_revoke
from calsreg.core.errors import DomainError
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "Revoke an API token by the prefix printed when it was issued."

    def add_arguments(self, parser) -> None:
        parser.add_argument("prefix", help="the token's prefix (e.g. csr_AbC123)")

    def handle(self, *args, prefix: str, **options) -> None:
        tokens = list(
            ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related("user")[:2]
        )
        if len(tokens) != 1:
            raise CommandError(
                _("識別「%(prefix)s」の有効なAPIトークンが複数あります。1件に絞れません。")
                % {"prefix": prefix}
                if tokens
                else _("識別「%(prefix)s」の有効なAPIトークンはありません。") % {"prefix": prefix}
            )
        try:
            token = api_token_revoke(token=tokens[0], actor=Actor.system("manage.py revoke_api_token"))
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            _("APIトークンを失効させました（%(user)s、%(name)s）。")
            % {"user": token.user.get_username(), "name": token.name}
        )
