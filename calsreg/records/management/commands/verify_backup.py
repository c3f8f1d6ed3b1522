"""Check a backup's files against its manifest (no restore)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from calsreg.records.backup.manifest import BackupInvalid
from calsreg.records.backup.restore import backup_check


class Command(BaseCommand):
    help = "バックアップのファイルを manifest.json のチェックサムで検証します（復元はしません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="calsreg-backup-… のフォルダ")

    def handle(self, *args, **options):
        try:
            manifest = backup_check(folder=options["backup"])
        except BackupInvalid as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("OK: データベース 1 個、ファイル %(files)s 個（%(created)s に作成）")
            % {"files": len(manifest.files), "created": manifest.data["created_at"]}
        )
