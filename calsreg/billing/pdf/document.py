"""What an invoice PDF shows, as plain data — frozen in the invoice at issue, or built by hand (bench).

``invoice_print_at_issue`` reads the invoice, its project and the issuer in force once, when the
invoice is issued; ``print_snapshot`` turns that into the JSON kept in ``Invoice.document_snapshot``
and ``invoice_print_from`` draws every later copy (a reissue, the print bundle) from that JSON alone,
so a later change of the project (its period, name or office) or of the issuer never alters what an
issued document says.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from calsreg.billing.models.config import IssuingRegime
from calsreg.billing.models.invoices import CREDIT_KINDS, Invoice, InvoiceKind

if TYPE_CHECKING:
    from calsreg.billing.models import Issuer, IssuingArrangement, Seller


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
    """Everything printed, including each 適格請求書 item (消費税法第57条の4第1項) and, for a credit,
    each 適格返還請求書 item (同条第3項): the issuer's name and registration number (the seller's under
    代理交付, the agent's under the 媒介者交付特例: ``regime``, ``seller``, ``issuer`` = the agent),
    transaction date, description (``lines``), amounts per tax rate with the rate and the tax per
    rate (``tax_parts``), recipient name; for a credit the date of the original transaction and
    the invoice it returns on."""

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
    contractor_name: str
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
    regime: str = IssuingRegime.INTERMEDIARY
    seller: dict[str, str] = field(default_factory=dict)
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

    @property
    def is_agent_delivery(self) -> bool:
        return self.regime == IssuingRegime.AGENT_DELIVERY

    @property
    def qualified_issuer(self) -> dict[str, str]:
        """Whose name and registration number are the qualified-invoice items: the seller's under
        代理交付, the agent's under the 媒介者交付特例."""
        return self.seller if self.is_agent_delivery else self.issuer


_DATE_FIELDS = frozenset(
    f.name for f in dataclasses.fields(InvoicePrint) if f.type in ("date", "date | None")
)


def print_snapshot(doc: InvoicePrint) -> dict[str, Any]:
    """``doc`` as the JSON kept at issue (dates as ISO text; never the reissue mark)."""
    data = dataclasses.asdict(doc)
    for name in ("reissue", "reissued_on"):
        del data[name]
    for name in _DATE_FIELDS:
        if data.get(name) is not None:
            data[name] = data[name].isoformat()
    return data


def print_from_snapshot(
    data: dict[str, Any], *, reissue: bool = False, reissued_on: date | None = None
) -> InvoicePrint:
    """The document frozen in ``data`` (``print_snapshot``'s output), optionally marked 再発行."""
    values = dict(data)
    for name in _DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    values["lines"] = tuple(PrintLine(**line) for line in values["lines"])
    values["tax_parts"] = tuple(PrintTaxPart(**part) for part in values["tax_parts"])
    values.update(reissue=reissue, reissued_on=reissued_on)
    return InvoicePrint(**values)


def invoice_print_from(
    invoice: Invoice, *, reissue: bool = False, reissued_on: date | None = None
) -> InvoicePrint:
    """The printable view of an issued invoice: its snapshot taken at issue, never live data."""
    if invoice.number is None or not invoice.document_snapshot:
        raise ValueError("only an issued invoice (with its snapshot) can be printed")
    return print_from_snapshot(invoice.document_snapshot, reissue=reissue, reissued_on=reissued_on)


def invoice_print_at_issue(
    invoice: Invoice, *, agent: Issuer, seller: Seller, arrangement: IssuingArrangement
) -> InvoicePrint:
    """What ``invoice`` prints when it is issued now: its own frozen columns (number, issue date,
    recipient, amounts, lines), its project as it stands, and the issuer in force on the issue day.
    The caller stores ``print_snapshot`` of it in the same transaction."""
    if invoice.number is None or invoice.issue_date is None:
        raise ValueError("only an invoice being issued can be printed")
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
        issuer=agent.snapshot(),
        transaction_date=invoice.transaction_date,
        contractor_name=project.contractor_name,
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
        regime=arrangement.regime,
        seller=seller.snapshot(),
    )
