"""Import the directory CSV from the command line: all rows or none, with the report printed."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calsreg.directory.services import directory_import_csv
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "発注者名簿（監督員）のCSVを取り込みます。エラーが1件でもあれば何も登録しません。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="取り込むCSVファイル（UTF-8 または Shift_JIS）")
        parser.add_argument("--dry-run", action="store_true", help="確認だけして登録しない")

    def handle(self, *args, **options):
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        report = directory_import_csv(content=content, actor=_actor(), dry_run=options["dry_run"])
        for line in report.lines():
            (self.stdout if report.ok else self.stderr).write(line)
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s); nothing was imported")


def _actor() -> Actor:
    # The audit log should say who ran the command; the OS account is the best name available here.
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    return Actor.system(f"manage.py directory_import ({user})")
