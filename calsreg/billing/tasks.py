"""The billing app's django-tasks tasks: the desk's billing run, done by the worker."""

from __future__ import annotations

from django_tasks import task


@task()
def billing_run_task(run_id: int) -> dict:
    """Fill in the queued ``BillingRun`` ``run_id`` (billing_run_enqueue); returns its counts."""
    # Imported here: the service module imports this one to enqueue the task.
    from calsreg.billing.services.runs import billing_run_queued_execute

    run = billing_run_queued_execute(run_id=run_id)
    return {
        "run_id": run.pk,
        "status": run.status,
        "total": run.total,
        "issued": run.issued_count,
        "skipped": run.skipped_count,
    }
