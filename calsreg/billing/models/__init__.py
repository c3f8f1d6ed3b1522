"""The billing models: configuration and invoices (``config.py``, ``invoices.py``) and payments (``payments.py``)."""

from calsreg.billing.models.config import (
    AccountType,
    FeePlan,
    FeePlanKind,
    Issuer,
    IssuingArrangement,
    IssuingRegime,
    Seller,
    TaxRate,
)
from calsreg.billing.models.dunning import InvoiceDeferral
from calsreg.billing.models.invoices import (
    CREDIT_KINDS,
    IN_PROGRESS_RUN_STATUSES,
    INVOICE_TRANSITIONS,
    OPEN_STATUSES,
    PAYABLE_KINDS,
    BillingRun,
    BillingRunStatus,
    DocumentKind,
    Honorific,
    Invoice,
    InvoiceCounter,
    InvoiceDocument,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from calsreg.billing.models.payments import *  # noqa: F403  (the payments side's models)

__all__ = [
    "CREDIT_KINDS",
    "INVOICE_TRANSITIONS",
    "IN_PROGRESS_RUN_STATUSES",
    "OPEN_STATUSES",
    "PAYABLE_KINDS",
    "AccountType",
    "BillingRun",
    "BillingRunStatus",
    "DocumentKind",
    "FeePlan",
    "FeePlanKind",
    "Honorific",
    "Invoice",
    "InvoiceCounter",
    "InvoiceDeferral",
    "InvoiceDocument",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceStatus",
    "Issuer",
    "IssuingArrangement",
    "IssuingRegime",
    "Seller",
    "TaxRate",
]
