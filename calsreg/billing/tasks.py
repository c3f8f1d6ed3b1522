"""The billing app's django-tasks tasks: the desk's billing run and large payment imports, done by the worker."""

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


@task()
def payment_import_task(import_id: int) -> dict:
    """Insert and match the queued ``PaymentImport`` ``import_id`` in batches; returns its progress."""
    from calsreg.billing.services.payment_imports import payment_import_queued_execute

    payment_import = payment_import_queued_execute(import_id=import_id)
    return {
        "import_id": payment_import.pk,
        "status": payment_import.status,
        "total": payment_import.total,
        "done": payment_import.done,
    }
