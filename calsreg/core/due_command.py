"""The shape of a daily job's management command: run it now, or list what it would do."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calsreg.core import clock
from calsreg.core.dates import day_argument


class DueJobCommand(BaseCommand):
    """``--dry-run`` lists what is due (changing nothing), else the job runs; ``--date`` judges as of that
    day. A subclass says what it does (``run_due``, ``list_due``), how it names what it did
    (``done_label``: "purged=3") and which of its exceptions means "some were left" (``incomplete``:
    exit 1 with its message, after the others were done)."""

    dry_run_help: ClassVar[str] = "対象を表示するだけで変更しない"
    done_label: ClassVar[str] = "done"
    incomplete: ClassVar[type[Exception]] = Exception

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help=self.dry_run_help)
        parser.add_argument(
            "--date", type=day_argument, default=None, help="この日（YYYY-MM-DD）として判定する"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["date"] or clock.today()
        if options["dry_run"]:
            self.list_due(today=today)
            return
        try:
            done = self.run_due(today=today)
        except self.incomplete as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{self.done_label}={done}")

    def run_due(self, *, today: date) -> int:
        raise NotImplementedError

    def list_due(self, *, today: date) -> None:
        raise NotImplementedError
