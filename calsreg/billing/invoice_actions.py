"""Which of the billing agent's actions apply to an invoice in its current state.

One table, read by the services (which refuse an action outside it) and by the screens (which
offer only the actions it allows), so a button never offers what the service would refuse for the
invoice's state. Finer refusals that need more than the state (a payment already allocated, an
adjustment) stay with the service and its message.
"""

from __future__ import annotations

from enum import StrEnum

from calsreg.billing.models import Invoice, InvoiceKind, InvoiceStatus
from calsreg.billing.models.invoices import OPEN_STATUSES, PAYABLE_KINDS


class InvoiceAction(StrEnum):
    POST = "post"  # 郵送済みにする
    SET_ARRIVAL = "arrival"  # 到着日を変更する
    DEFER = "defer"  # 支払を猶予する
    REISSUE = "reissue"  # 再発行する
    VOID = "void"  # 取り消す


ALL_KINDS = frozenset(InvoiceKind)

# action → (kinds, statuses) in which it applies
INVOICE_ACTIONS: dict[InvoiceAction, tuple[frozenset[str], frozenset[str]]] = {
    InvoiceAction.POST: (ALL_KINDS, frozenset({InvoiceStatus.ISSUED})),
    # Only once posted (the arrival counts from the posting date), and not after a void.
    InvoiceAction.SET_ARRIVAL: (ALL_KINDS, frozenset({InvoiceStatus.POSTED, InvoiceStatus.PAID})),
    InvoiceAction.DEFER: (frozenset(PAYABLE_KINDS), OPEN_STATUSES),
    InvoiceAction.REISSUE: (
        ALL_KINDS,
        frozenset({InvoiceStatus.ISSUED, InvoiceStatus.POSTED, InvoiceStatus.PAID}),
    ),
    InvoiceAction.VOID: (
        frozenset(PAYABLE_KINDS),
        frozenset({InvoiceStatus.DRAFT, InvoiceStatus.ISSUED, InvoiceStatus.POSTED}),
    ),
}


def invoice_action_applies(*, invoice: Invoice, action: InvoiceAction) -> bool:
    kinds, statuses = INVOICE_ACTIONS[action]
    if action == InvoiceAction.SET_ARRIVAL and invoice.posted_on is None:
        return False
    return invoice.kind in kinds and invoice.status in statuses


def invoice_actions_available(*, invoice: Invoice) -> frozenset[str]:
    """The actions (their values, for templates: ``{% if "void" in actions %}``) that apply now."""
    return frozenset(
        action.value for action in InvoiceAction if invoice_action_applies(invoice=invoice, action=action)
    )
