"""Delete the invoices past their legal retention period now, or list what would go (--dry-run)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calsreg.billing.retention_selectors import (
    deletable_from,
    invoice_groups_due,
    last_day_due,
    retention_scope,
)
from calsreg.billing.services.retention import RetentionIncomplete, invoices_retention_delete_due
from calsreg.core import clock
from calsreg.core.dates import day_argument


class Command(BaseCommand):
    help = (
        "法定の保存期間を過ぎた請求書・返還請求書とそのPDFを削除します（毎日の処理と同じ）。"
        "--dry-run で削除の対象を一覧表示します（何も変更しません）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="対象を表示するだけで削除しない")
        parser.add_argument(
            "--date", type=day_argument, default=None, help="この日（YYYY-MM-DD）として判定する"
        )

    def handle(self, *args, **options):
        today = options["date"] or clock.today()
        if options["dry_run"]:
            self._list(today=today)
            return
        try:
            deleted = invoices_retention_delete_due(today=today)
        except RetentionIncomplete as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"deleted={deleted}")

    def _list(self, *, today: date) -> None:
        groups = 0
        for invoice in invoice_groups_due(today=today):
            scope = retention_scope(invoice=invoice)
            members = " ".join(
                f"{member.number or '#' + str(member.pk)}({member.kind}, issued {member.issue_date})"
                for member in scope.invoices
            )
            counts = " ".join(f"{name}={value}" for name, value in scope.counts().items())
            self.stdout.write(f"invoice {invoice.number}: {members}: {counts}")
            for kept in scope.files:
                self.stdout.write(f"  file {kept.name}")
            groups += 1
        last = last_day_due(today=today)
        self.stdout.write(
            f"would delete groups={groups} (as of {today.isoformat()}: issued or paid on or before "
            f"{last.isoformat()}; the next day's documents go from {deletable_from(last + timedelta(days=1)).isoformat()})"
        )
