"""Billing runs under real faults, on PostgreSQL (issue 12): two clicks at the same instant start one
run; a run whose process is killed (SIGKILL) mid-way is resumed by the workers and issues every due
draft exactly once, its bundle covering all of them, and its month is free afterwards."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection, connections

from calsreg.billing.models import BillingRun, BillingRunStatus, Invoice, InvoiceStatus
from calsreg.billing.services import billing_run_enqueue, billing_run_preview
from calsreg.billing.services.runs import billing_run_queued_execute, billing_runs_recover
from calsreg.core.errors import Conflict
from calsreg.records.services import Actor
from tests.billing.invoice_helpers import configured, drafted, jst
from tests.billing.run_helpers import bundle_numbers, mailing_numbers
from tests.plugins.processes import wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
    pytest.mark.django_db(transaction=True),
]

ACTOR = Actor.system("test")
MONTH = date(2026, 12, 1)
START = jst(2026, 12, 1, 9)


def _enqueue_at_once() -> list[object]:
    """Two agents confirm the run of the month at the same instant; what each got back."""
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def click() -> None:
        try:
            barrier.wait()
            outcomes.append(billing_run_enqueue(run_month=MONTH, actor=ACTOR))
        except Conflict as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_runs_of_one_month_started_at_once_make_one_run():
    with time_machine.travel(START, tick=False):
        # given
        configured()
        for trial in range(10):
            # when
            outcomes = _enqueue_at_once()
            # then: one run, the other click refused with the conflict
            runs = [outcome for outcome in outcomes if isinstance(outcome, BillingRun)]
            refusals = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
            assert (len(runs), len(refusals)) == (1, 1), (trial, outcomes)
            assert BillingRun.objects.filter(status__in=["queued", "running"]).count() == 1
            assert BillingRun.objects.count() == trial + 1
            billing_run_queued_execute(run_id=runs[0].pk)  # the worker finishes it: the month is free


@pytest.mark.slow
def test_a_run_killed_mid_way_is_resumed_and_issues_every_draft_exactly_once(spawn, run_tasks):
    with time_machine.travel(START, tick=False):
        # given: 40 drafts due, the command's run in a child process
        configured()
        for n in range(40):
            drafted(started_at=jst(2026, 11, 2) + timedelta(minutes=n))
        child = spawn("billing_run", "--month", "2026-12")
        # when: killed once it has issued at least 5
        wait_until(lambda: BillingRun.objects.filter(done__gte=5).exists(), timeout=60)
        child.kill()
    run = BillingRun.objects.get()
    assert run.status == BillingRunStatus.RUNNING
    assert 5 <= Invoice.objects.filter(status=InvoiceStatus.ISSUED).count() < 40
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        # the workers' maintenance (the new worker runs it by itself), then a worker
        assert billing_runs_recover() == 1
        run_tasks()
        # then: finished, every draft issued once with gap-free numbers, the files cover all 40
        run.refresh_from_db()
        numbers = list(Invoice.objects.order_by("number").values_list("number", flat=True))
        assert (run.status, run.resumes, run.error) == (BillingRunStatus.FINISHED, 1, "")
        assert (run.total, run.done, run.issued_count, run.skipped_count) == (40, 40, 40, 0)
        assert Invoice.objects.filter(status=InvoiceStatus.ISSUED, billing_run=run).count() == 40
        assert numbers == [f"2026-{n:06d}" for n in range(1, 41)]
        assert bundle_numbers(run) == numbers
        assert mailing_numbers(run) == numbers
        # and the month is free
        assert billing_run_preview(run_month=MONTH).count == 0
