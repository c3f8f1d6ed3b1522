"""Erase the personal data past its retention period now, or list what would be erased (--dry-run)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from calsreg.billing.retention_selectors import invoice_groups_due
from calsreg.core import clock
from calsreg.core.dates import day_argument
from calsreg.lifecycle.selectors import (
    applications_due_for_purge,
    projects_due_for_purge,
    purge_scope,
)
from calsreg.lifecycle.services import PurgeIncomplete, personal_data_purge_due


class Command(BaseCommand):
    help = (
        "保存期間を過ぎた個人データ（利用終了した工事、却下・取下げの申込）を消去します。"
        "--dry-run で消去の対象を一覧表示します（何も変更しません）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="対象を表示するだけで消去しない")
        parser.add_argument(
            "--date", type=day_argument, default=None, help="この日（YYYY-MM-DD）として判定する"
        )

    def handle(self, *args, **options):
        today = options["date"] or clock.today()
        if options["dry_run"]:
            self._list(today=today)
            return
        try:
            purged = personal_data_purge_due(today=today)
        except PurgeIncomplete as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"purged={purged}")

    def _list(self, *, today: date) -> None:
        count = 0
        for project in projects_due_for_purge(today=today):
            closed_on = timezone.localdate(project.closed_at) if project.closed_at else None
            self._line(
                f"project #{project.pk} {project.project_number} "
                f"(application {project.application.receipt_number}, closed {closed_on})",
                purge_scope(application=project.application).counts(),
            )
            count += 1
        for application in applications_due_for_purge(today=today):
            updated_on = timezone.localdate(application.updated_at)
            self._line(
                f"application #{application.pk} {application.receipt_number} "
                f"({application.status}, last updated {updated_on})",
                purge_scope(application=application).counts(),
            )
            count += 1
        self.stdout.write(f"would purge={count} (as of {today.isoformat()})")
        invoices = invoice_groups_due(today=today).count()
        if invoices:
            # Not this command's: the daily job invoice_retention deletes them (invoices_purge_due).
            self.stdout.write(f"invoices past retention (see invoices_purge_due --dry-run)={invoices}")

    def _line(self, title: str, counts: dict[str, int]) -> None:
        details = " ".join(f"{name}={value}" for name, value in counts.items())
        self.stdout.write(f"{title}: {details}")
