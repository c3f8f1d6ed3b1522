"""Issue an API token for a staff user and print its secret, once.

    manage.py create_api_token <username> --name "<用途>"

Only the SHA-256 of the secret is stored; the printed secret cannot be shown again.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from calsreg.accounts.models import User
from calsreg.accounts.services import api_token_issue
from calsreg.core.errors import ValidationFailed
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "Issue an API token for a staff user; the token is printed once and only its hash is stored."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="the staff user the token acts as")
        parser.add_argument(
            "--name", required=True, help="what the token is for (shown in lists and the audit log)"
        )

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("利用者「%(username)s」はいません。") % {"username": username})
        try:
            issued = api_token_issue(user=user, name=name, actor=Actor.system("manage.py create_api_token"))
        except ValidationFailed as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            _("APIトークンを発行しました（%(user)s、%(name)s、識別: %(prefix)s）。")
            % {"user": user.get_username(), "name": issued.token.name, "prefix": issued.token.prefix}
        )
        self.stdout.write(_("このトークンは今だけ表示します。安全な場所に保管してください:"))
        self.stdout.write(issued.secret)
