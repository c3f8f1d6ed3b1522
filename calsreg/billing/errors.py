"""Billing refusals (safe to show; the interface layer turns them into messages or HTTP errors)."""

from __future__ import annotations

from calsreg.core.errors import Conflict, DomainError


class BillingNotConfigured(DomainError):
    """No active issuer, no fee plan for the organisation on the day, or no tax rate: the
    administrator must complete the billing configuration first."""

    code = "billing_not_configured"
    http_status = 409


class InvoiceNotOpen(Conflict):
    """The invoice is not in a state that allows the action (e.g. voiding a paid invoice)."""

    code = "invoice_not_open"
