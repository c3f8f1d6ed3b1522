"""Writes of the payments side: import bank files and enter payments (``imports``), match them to
invoices (``matching``), and allocate and take allocations back (``allocations``)."""

from calsreg.billing.services.payments.allocations import (
    invoice_paid_amounts_rebuild,
    payment_allocate,
    payment_allocation_remove,
)
from calsreg.billing.services.payments.imports import (
    ImportResult,
    ParsedFile,
    payment_create_manual,
    payment_ignore,
    payment_import_finish,
    payment_import_rows,
    payments_file_parse,
    payments_import_csv,
    payments_import_zengin,
)
from calsreg.billing.services.payments.matching import (
    invoice_payer_keys_rebuild,
    payment_references,
    payments_match,
)

__all__ = [
    "ImportResult",
    "ParsedFile",
    "invoice_paid_amounts_rebuild",
    "invoice_payer_keys_rebuild",
    "payment_allocate",
    "payment_allocation_remove",
    "payment_create_manual",
    "payment_ignore",
    "payment_import_finish",
    "payment_import_rows",
    "payment_references",
    "payments_file_parse",
    "payments_import_csv",
    "payments_import_zengin",
    "payments_match",
]
