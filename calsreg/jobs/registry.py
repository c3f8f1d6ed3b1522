"""The daily jobs, in the order they run. Each is a domain service callable without arguments
(it reads the clock itself) that returns how many things it handled."""

from __future__ import annotations

DAILY_JOBS: tuple[tuple[str, str], ...] = (
    # Start of use scheduled for today (seed step 5).
    ("start_scheduled_projects", "calsreg.accounts.services.projects_start_due"),
    # Confirmation requests unanswered past their business-day deadline (seed step 3).
    ("confirmation_sweep", "calsreg.verification.services.confirmations_overdue_sweep"),
)
