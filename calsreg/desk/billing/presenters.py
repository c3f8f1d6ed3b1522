"""What the billing agent's invoice page shows beside the stored invoice: its lines with a readable
calculation basis, and the actions its state allows (billing's one table, not a rule here)."""

from __future__ import annotations

from dataclasses import dataclass

from calsreg.billing.fee_basis import fee_basis_text
from calsreg.billing.models import Invoice, InvoiceLine


@dataclass(frozen=True)
class LineShown:
    line: InvoiceLine
    basis: str


def invoice_lines_shown(invoice: Invoice) -> list[LineShown]:
    return [LineShown(line=line, basis=fee_basis_text(line.explanation)) for line in invoice.lines.all()]
