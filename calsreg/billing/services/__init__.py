"""Writes of the billing app (invoices side). Import from here: ``from calsreg.billing.services import …``."""

from calsreg.billing.services.adjustments import (
    FeeImpact,
    Settlement,
    billing_address_change_settle,
    fee_change_settle,
    fee_impact,
)
from calsreg.billing.services.bulk_posting import (
    PostingResult,
    billing_run_mark_posted,
    invoices_mark_posted_selected,
)
from calsreg.billing.services.corrections import invoice_reissue, invoice_void
from calsreg.billing.services.drafts import invoice_draft_for_project, invoice_drafts_create_missing
from calsreg.billing.services.dunning import (
    billing_suspension_sweep,
    invoice_deferral_grant,
    invoice_paid,
    invoice_reminders_send,
)
from calsreg.billing.services.posting import invoice_set_arrival, invoices_mark_posted
from calsreg.billing.services.run_preview import BillingRunPlan, billing_run_preview
from calsreg.billing.services.runs import billing_run, billing_run_enqueue
from calsreg.billing.services.start_of_use import StartOfUse, project_start_use_billed

__all__ = [
    "BillingRunPlan",
    "FeeImpact",
    "PostingResult",
    "Settlement",
    "StartOfUse",
    "billing_address_change_settle",
    "billing_run",
    "billing_run_enqueue",
    "billing_run_mark_posted",
    "billing_run_preview",
    "billing_suspension_sweep",
    "fee_change_settle",
    "fee_impact",
    "invoice_deferral_grant",
    "invoice_draft_for_project",
    "invoice_drafts_create_missing",
    "invoice_paid",
    "invoice_reissue",
    "invoice_reminders_send",
    "invoice_set_arrival",
    "invoice_void",
    "invoices_mark_posted",
    "invoices_mark_posted_selected",
    "project_start_use_billed",
]
