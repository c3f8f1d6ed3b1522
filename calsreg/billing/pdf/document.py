"""What an invoice PDF shows, as plain data — built from an issued ``Invoice`` or by hand (bench)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from calsreg.billing.models.invoices import CREDIT_KINDS, Invoice, InvoiceKind


@dataclass(frozen=True)
class PrintLine:
    description: str
    quantity: int
    unit: str
    unit_price: int
    amount: int
    tax_rate_percent: int


@dataclass(frozen=True)
class PrintTaxPart:
    rate: int
    taxable: int
    tax: int


@dataclass(frozen=True)
class InvoicePrint:
    """Everything printed, including each 適格請求書 item (消費税法第57条の4第1項):
    issuer name and registration number (``issuer``), transaction date, description (``lines``),
    amounts per tax rate with the rate and the tax per rate (``tax_parts``), recipient name."""

    kind: str
    number: str
    issue_date: date
    customer_code: str
    recipient_postcode: str
    recipient_address: str
    recipient_name: str
    recipient_department: str
    honorific: str
    issuer: dict[str, str]
    transaction_date: date
    project_number: str
    project_name: str
    office_name: str
    period_start: date
    period_end: date
    lines: tuple[PrintLine, ...]
    tax_parts: tuple[PrintTaxPart, ...]
    subtotal: int
    tax: int
    total: int
    due_on: date | None = None
    credited_number: str = ""
    credited_issue_date: date | None = None
    # An additional invoice or a fee credit: the invoice whose fee it adjusts.
    adjusted_number: str = ""
    adjusted_issue_date: date | None = None
    reissue: bool = False
    reissued_on: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_credit_note(self) -> bool:
        """A credit note of a void, or a fee credit: negative figures, nothing to pay."""
        return self.kind in CREDIT_KINDS

    @property
    def is_fee_credit(self) -> bool:
        return self.kind == InvoiceKind.FEE_CREDIT

    @property
    def is_additional(self) -> bool:
        return self.kind == InvoiceKind.ADDITIONAL


def invoice_print_from(
    invoice: Invoice, *, reissue: bool = False, reissued_on: date | None = None
) -> InvoicePrint:
    """The printable view of an issued invoice (its snapshots, never the live issuer or address)."""
    if invoice.number is None or invoice.issue_date is None:
        raise ValueError("only an issued invoice can be printed")
    project = invoice.project
    credited = invoice.credited_invoice
    adjusted = invoice.adjusted_invoice
    return InvoicePrint(
        kind=invoice.kind,
        number=invoice.number,
        issue_date=invoice.issue_date,
        customer_code=invoice.customer_code,
        recipient_postcode=invoice.billing_postcode,
        recipient_address=invoice.billing_address,
        recipient_name=invoice.billing_addressee,
        recipient_department=invoice.billing_department,
        honorific=invoice.honorific,
        issuer=dict(invoice.issuer_snapshot),
        transaction_date=invoice.transaction_date,
        project_number=project.project_number,
        project_name=project.name,
        office_name=project.office.name,
        period_start=project.period_start,
        period_end=project.period_end,
        lines=tuple(
            PrintLine(
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_rate_percent=line.tax_rate_percent,
            )
            for line in invoice.lines.all()
        ),
        tax_parts=tuple(
            PrintTaxPart(rate=p["rate"], taxable=p["taxable"], tax=p["tax"]) for p in invoice.tax_breakdown
        ),
        subtotal=invoice.subtotal,
        tax=invoice.tax,
        total=invoice.total,
        due_on=invoice.printed_due_on,
        credited_number=(credited.number or "") if credited else "",
        credited_issue_date=credited.issue_date if credited else None,
        adjusted_number=(adjusted.number or "") if adjusted else "",
        adjusted_issue_date=adjusted.issue_date if adjusted else None,
        reissue=reissue,
        reissued_on=reissued_on,
    )
