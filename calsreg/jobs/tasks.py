from __future__ import annotations

from django_tasks import task

from calsreg.jobs.services import daily_jobs_run, daily_run_ensure_scheduled


@task()
def daily_jobs() -> list[dict]:
    """Run the daily jobs, then queue tomorrow's run."""
    outcomes = daily_jobs_run()
    daily_run_ensure_scheduled()
    return [{"name": o.name, "handled": o.handled, "error": o.error} for o in outcomes]
