"""The daily jobs, in the order they run. Each is a domain service callable without arguments
(it reads the clock itself) that returns how many things it handled."""

from __future__ import annotations

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
    # End of use: projects past their last day of use close; then the personal data of projects
    # closed (and applications ended) longer ago than the retention period is erased.
    ("close_ended_projects", "calsreg.accounts.services.projects_close_due"),
    ("purge_personal_data", "calsreg.lifecycle.services.personal_data_purge_due"),
    # Background-task rows finished longer ago than their retention: their arguments hold personal
    # data (a "forgot password" request's ID and e-mail), their results and tracebacks may too.
    ("prune_task_results", "calsreg.jobs.services.task_results_prune_finished"),
)

# Run by every worker at start and every CALSREG_WORKER_MAINTENANCE_SECONDS: each a service callable
# without arguments, idempotent and safe beside another worker running it, returning how many
# things it handled.
WORKER_MAINTENANCE: tuple[tuple[str, str], ...] = (
    # Mail a dead worker left behind (sending past its lease, pending with no task), and failed
    # mail once the mail server answers again.
    ("mail_recovery", "calsreg.notifications.recovery.deliveries_recover"),
)
