"""Erase the personal data past its retention period now, or list what would be erased (--dry-run)."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from calsreg.billing.retention_selectors import invoice_groups_due
from calsreg.core.due_command import DueJobCommand
from calsreg.lifecycle.selectors import (
    applications_due_for_purge,
    projects_due_for_purge,
    purge_scope,
)
from calsreg.lifecycle.services import PurgeIncomplete, personal_data_purge_due
from calsreg.mailbox.retention import mailbox_messages_due_for_purge


class Command(DueJobCommand):
    help = (
        "保存期間を過ぎた個人データ（利用終了した工事、却下・取下げの申込、受信メール）を消去します。"
        "--dry-run で消去の対象を一覧表示します（何も変更しません）。"
    )
    dry_run_help = "対象を表示するだけで消去しない"
    done_label = "purged"
    incomplete = PurgeIncomplete

    def run_due(self, *, today: date) -> int:
        return personal_data_purge_due(today=today)

    def list_due(self, *, today: date) -> None:
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
        self._list_mail(today=today)
        invoices = invoice_groups_due(today=today).count()
        if invoices:
            # Not this command's: the daily job invoice_retention deletes them (invoices_purge_due).
            self.stdout.write(f"invoices past retention (see invoices_purge_due --dry-run)={invoices}")

    def _list_mail(self, *, today: date) -> None:
        """Received mail of its own retention (mail that became an application goes with it, above)."""
        due = mailbox_messages_due_for_purge(today=today)
        by_state: dict[str, int] = {}
        for state in due.values_list("state", flat=True):
            by_state[state] = by_state.get(state, 0) + 1
        details = " ".join(f"{state}={number}" for state, number in sorted(by_state.items()))
        self.stdout.write(
            f"received mail would purge={sum(by_state.values())}" + (f": {details}" if details else "")
        )

    def _line(self, title: str, counts: dict[str, int]) -> None:
        details = " ".join(f"{name}={value}" for name, value in counts.items())
        self.stdout.write(f"{title}: {details}")
