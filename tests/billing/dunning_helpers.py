"""A started project (real accounts: a site agent and an engineer) with a posted invoice."""

from __future__ import annotations

from datetime import date

import time_machine

from calsreg.accounts.models import Project, User
from calsreg.billing.models import Invoice
from calsreg.billing.services import billing_run, invoice_draft_for_project, invoices_mark_posted
from tests.accounts.helpers import SUZUKI, TANAKA, started
from tests.billing.invoice_helpers import ACTOR, jst, make_issuer, make_plan, standard_tax_rate

SITE_AGENT_EMAIL = "genba@echigo-kensetsu.example.co.jp"
APPLICANT_EMAIL = "tanaka@echigo-kensetsu.example.co.jp"


def posted_invoice() -> tuple[Project, Invoice]:
    """Started 2026-11-02, issued and posted 2026-12-01: arrives 12-03, due 2027-02-01
    (the end of January is a Sunday: rolled to the next business day, docs/billing.md)."""
    with time_machine.travel(jst(2026, 11, 2), tick=False):
        project, _accounts = started(users=[{**TANAKA, "email": SITE_AGENT_EMAIL}, SUZUKI])
        # They changed their initial passwords (else those expire and hide the suspension refusal).
        User.objects.filter(memberships__project=project).update(must_change_password=False)
        make_issuer()
        make_plan(organisation=project.office.organisation)
        standard_tax_rate()
        invoice = invoice_draft_for_project(project=project, actor=ACTOR)
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 1), actor=ACTOR)
    invoice.refresh_from_db()
    assert invoice.due_on == date(2027, 2, 1), (invoice.status, invoice.due_on)
    return project, invoice
