"""Delete the invoices past their legal retention period now, or list what would go (--dry-run)."""

from __future__ import annotations

from datetime import date, timedelta

from calsreg.billing.retention_selectors import (
    deletable_from,
    invoice_groups_due,
    last_day_due,
    retention_scope,
)
from calsreg.billing.services.retention import RetentionIncomplete, invoices_retention_delete_due
from calsreg.core.due_command import DueJobCommand


class Command(DueJobCommand):
    help = (
        "法定の保存期間を過ぎた請求書・返還請求書とそのPDFを削除します（毎日の処理と同じ）。"
        "--dry-run で削除の対象を一覧表示します（何も変更しません）。"
    )
    dry_run_help = "対象を表示するだけで削除しない"
    done_label = "deleted"
    incomplete = RetentionIncomplete

    def run_due(self, *, today: date) -> int:
        return invoices_retention_delete_due(today=today)

    def list_due(self, *, today: date) -> None:
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
