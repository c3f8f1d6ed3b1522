"""What a billing run will do, computed writing nothing: the drafts it issues and their numbers.

The selection is the run's own (``invoices_due_for_run``) and the numbers are the counter's next
ones, peeked, not taken: numbers cannot be reserved while the agent reads, so the run recomputes
this plan under its lock and refuses (``PreviewStale``) when it differs from the one confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext as _

from calsreg.billing.models import BillingRun, InvoiceKind
from calsreg.billing.numbering import invoice_numbers_planned
from calsreg.billing.run_months import run_month_check
from calsreg.billing.selectors import invoices_due_for_run, issuer_active
from calsreg.billing.services.drafts import projects_without_invoice
from calsreg.core import clock
from calsreg.core.errors import Conflict
from calsreg.core.previews import fingerprint


@dataclass(frozen=True)
class BillingRunPlan:
    """The run of ``run_month``: ``count`` drafts (``invoice_ids``) totalling ``total`` yen, numbered
    ``first_number``…``last_number`` (予定). ``undrafted`` started projects still lack a draft: the
    run drafts them first, so confirming then shows a new preview with them."""

    run_month: date
    invoice_ids: tuple[int, ...]
    total: int
    first_number: str | None
    last_number: str | None
    undrafted: int

    @property
    def count(self) -> int:
        return len(self.invoice_ids)

    def payload(self) -> dict:
        # ``undrafted`` is left out: a project that cannot be drafted (no fee plan) stays counted
        # and must not make every confirmation stale; drafts that were made change the ids.
        return {
            "run_month": self.run_month.isoformat(),
            "invoices": list(self.invoice_ids),
            "total": self.total,
            "first": self.first_number,
        }

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.payload())


def run_busy_check(*, run_month: date, lock: bool) -> None:
    """``Conflict`` while a run of ``run_month`` is queued or running (``lock``: row-lock the runs)."""
    runs = BillingRun.objects.filter(run_month=run_month)
    # The friendly message only: two first clicks at the same instant can both pass this on
    # PostgreSQL (the row lock covers existing runs); the database's partial unique constraint
    # (billing_run_one_in_progress_per_month) refuses the second insert (runs._run_create).
    busy = [run for run in (runs.select_for_update() if lock else runs) if run.in_progress]
    if busy:
        raise Conflict(
            _(
                "%(month)s分の請求処理はすでに%(status)sです（%(done)s / %(total)s 件）。終わるまでお待ちください。"
            )
            % {
                "month": f"{run_month:%Y-%m}",
                "status": busy[0].get_status_display(),
                "done": busy[0].done,
                "total": busy[0].total,
            }
        )


def billing_run_plan(*, run_month: date) -> BillingRunPlan:
    """The plan of the run of ``run_month`` (already checked, first day) as of now; writes nothing."""
    today = clock.today()
    due = invoices_due_for_run(run_month=run_month)
    invoice_ids = tuple(due.values_list("pk", flat=True))
    numbers = invoice_numbers_planned(kind=InvoiceKind.INVOICE, year=today.year, count=len(invoice_ids))
    return BillingRunPlan(
        run_month=run_month,
        invoice_ids=invoice_ids,
        total=due.aggregate(total=Sum("total"))["total"] or 0,
        first_number=numbers[0] if numbers else None,
        last_number=numbers[1] if numbers else None,
        undrafted=projects_without_invoice(today=today).count(),
    )


def billing_run_preview(*, run_month: date) -> BillingRunPlan:
    """What ``billing_run_enqueue`` of ``run_month`` would issue; writes nothing. Refuses as the run
    would (a month out of bounds, no active issuer, a run of that month already going)."""
    run_month = run_month_check(run_month=run_month, today=clock.today())
    issuer_active()
    run_busy_check(run_month=run_month, lock=False)
    return billing_run_plan(run_month=run_month)
