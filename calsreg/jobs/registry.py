"""The daily jobs, in the order they run. Each is a domain service callable without arguments
(it reads the clock itself) that returns how many things it handled."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DAILY_JOBS: tuple[tuple[str, str], ...] = (
    # Start of use scheduled for today (seed step 5).
    ("start_scheduled_projects", "calsreg.accounts.services.projects_start_due"),
    # Confirmation requests unanswered past their business-day deadline (seed step 3).
    ("confirmation_sweep", "calsreg.verification.services.confirmations_overdue_sweep"),
    # Invoice drafts for started projects that have none (seed step 6; accounts cannot call billing).
    ("invoice_drafts", "calsreg.billing.services.invoice_drafts_create_missing"),
    # Reminder mails before the due date, then suspension the day after an unpaid one (seed step 6).
    ("invoice_reminders", "calsreg.billing.services.invoice_reminders_send"),
    ("suspension_sweep", "calsreg.billing.services.billing_suspension_sweep"),
    # The staff digest mail, for the operators who opted in: what arrived since their last one.
    ("staff_digest", "calsreg.notifications.staff_digest.staff_digests_send"),
    # Invoices, credit notes and their PDFs past their legal retention period (docs/billing.md).
    ("invoice_retention", "calsreg.billing.services.retention.invoices_retention_delete_due"),
    # End of use: projects past their last day of use close; then the personal data of projects
    # closed (and applications ended) longer ago than the retention period is erased.
    ("close_ended_projects", "calsreg.accounts.services.projects_close_due"),
    ("purge_personal_data", "calsreg.lifecycle.services.personal_data_purge_due"),
    # Background-task rows finished longer ago than their retention: their arguments hold personal
    # data (a "forgot password" request's ID and e-mail), their results and tracebacks may too.
    ("prune_task_results", "calsreg.jobs.services.task_results_prune_finished"),
)

# What the desk's 日次処理 page calls each daily job.
DAILY_JOB_LABELS: dict[str, Promise] = {
    "start_scheduled_projects": _("予定日になった工事の利用開始"),
    "confirmation_sweep": _("期限を過ぎた発注者確認の催促"),
    "invoice_drafts": _("請求書の下書き作成"),
    "invoice_reminders": _("支払期限前のお知らせ"),
    "suspension_sweep": _("未入金による利用停止"),
    "staff_digest": _("職員向けまとめメール"),
    "invoice_retention": _("保存期間を過ぎた請求書の削除"),
    "close_ended_projects": _("利用期間が終わった工事の終了"),
    "purge_personal_data": _("保存期間を過ぎた個人情報の消去"),
    "prune_task_results": _("古いバックグラウンド処理記録の削除"),
}


def daily_job_label(name: str) -> str:
    """The daily job's name for people (its code name if it has none, e.g. a job since removed)."""
    label = DAILY_JOB_LABELS.get(name)
    return str(label) if label is not None else name


# Run by every task worker at start and every WORKER_MAINTENANCE_SECONDS (docs/ops/workers.md), each
# on its own: a callable without arguments that returns how many things it handled, idempotent and
# safe when several workers run it at the same time (conditional UPDATEs or skip-locked row locks).
WORKER_MAINTENANCE: tuple[tuple[str, str], ...] = (
    # The desk's per-state application counters: appended changes folded in (applications.status_counts).
    ("status_counts_fold", "calsreg.applications.services.status_counts.status_counts_fold"),
    # Tasks left RUNNING by a worker that died: back to READY after the lease.
    ("requeue_orphaned_tasks", "calsreg.jobs.services.tasks_orphaned_requeue"),
    # Exactly one daily run waiting in the queue, even if its row was lost or failed.
    ("daily_run_scheduled", "calsreg.jobs.services.daily_run_ensure_scheduled"),
    # Billing runs whose process died (lease expired): resumed, or failed after too many resumes.
    ("billing_runs_recover", "calsreg.billing.services.runs.billing_runs_recover"),
    # Payment imports whose worker disappeared (heartbeat older than the lease) are queued again.
    ("payment_imports_recover", "calsreg.billing.services.payment_imports.payment_imports_recover"),
    # Temporary files of rolled-back transactions or dead processes (calsreg.core.files).
    ("files_orphaned_sweep", "calsreg.records.services.files_orphaned_sweep"),
    # Mail a dead worker left sending or pending, and mail failed during an outage once the server answers.
    ("mail_recovery", "calsreg.notifications.recovery.deliveries_recover"),
    # Webhooks and logout tokens whose task was lost with a worker (core.outbound.recover).
    ("webhook_recovery", "calsreg.events.tasks.webhook_deliveries_recover"),
    ("logout_recovery", "calsreg.sso.tasks.logout_deliveries_recover"),
)
