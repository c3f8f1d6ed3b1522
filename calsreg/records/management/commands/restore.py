"""Restore a backup into an empty database and media folder, then verify the evidence."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from calsreg.core.errors import DomainError
from calsreg.records.backup.restore import backup_restore


class Command(BaseCommand):
    help = (
        "バックアップを空のデータベースとファイル置き場に復元し、証跡を検証します。"
        "先に全ファイルのチェックサムを確かめ、壊れたバックアップは何も変更せずに拒否します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="calsreg-backup-… のフォルダ")
        parser.add_argument("--force", action="store_true", help="空でない復元先を上書きする")

    def handle(self, *args, **options):
        try:
            manifest = backup_restore(
                folder=options["backup"], force=options["force"], report=self.stdout.write
            )
        except (DomainError, OSError) as exc:
            raise CommandError(_("復元できませんでした: %(error)s") % {"error": exc}) from exc
        self.stdout.write(
            _("データベースとファイル %(files)s 個を復元しました。証跡を検証します。")
            % {"files": len(manifest.files)}
        )
        # The evidence check of the restored system (its owner extends it; this runs whatever it checks).
        call_command("verify_evidence", stdout=self.stdout, stderr=self.stderr)
