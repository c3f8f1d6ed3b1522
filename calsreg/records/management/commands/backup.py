"""Take a backup: database dump first, then the media files, then a manifest of checksums."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from calsreg.core.errors import DomainError
from calsreg.records.backup.take import backup_create


class Command(BaseCommand):
    help = (
        "バックアップを取ります（データベースのダンプ、ファイル置き場のコピー、チェックサムの manifest.json）。"
        "指定のフォルダの下に calsreg-backup-YYYYmmdd-HHMMSS/ を作ります。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("destination", type=Path, help="バックアップを置くフォルダ")
        parser.add_argument(
            "--keep", type=int, default=None, help="新しいものからこの数だけ残し、古いバックアップを消す"
        )

    def handle(self, *args, **options):
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError(_("--keep には1以上を指定してください。"))
        try:
            folder = backup_create(destination=options["destination"], keep=options["keep"])
        except (DomainError, OSError) as exc:
            raise CommandError(_("バックアップに失敗しました: %(error)s") % {"error": exc}) from exc
        self.stdout.write(str(folder))
