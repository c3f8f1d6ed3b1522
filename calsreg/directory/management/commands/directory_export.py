"""Export the directory as the CSV that ``directory_import`` reads (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calsreg.directory.services import directory_export_csv


class Command(BaseCommand):
    help = "発注者名簿（監督員）をCSV（UTF-8 BOM付き、Excelで開ける形式）で書き出します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="書き出すファイル（省略すると標準出力）")

    def handle(self, *args, **options):
        content = directory_export_csv()
        output: Path | None = options["output"]
        if output is None:
            # Text with the BOM as its first character, so a shell redirect still yields Excel's format.
            self.stdout.write(content.decode("utf-8"), ending="")
            return
        try:
            output.write_bytes(content)
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror or error}") from error
        rows = content.count(b"\n") - 1  # minus the header
        self.stdout.write(f"{output}: {rows} rows")
