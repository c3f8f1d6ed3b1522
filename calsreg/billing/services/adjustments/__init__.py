"""The fee impact of a change request (変更申請) and its settlement on the invoices (seed step 6).

A new construction period (``accounts.Project.period_start`` / ``period_end``) can change the fee:
flat monthly plans charge the calendar months the period touches, initial + monthly plans too (the
first month free). Tiered plans are fixed at the **original** contract amount (the application's),
so neither a new period nor a later 変更契約 ever changes them.

* ``fee_impact`` — a pure read for the change form and the desk's diff.
* ``fee_change_settle`` — called by the change-apply service inside its transaction, after the
  project's period was updated. No invoice yet: nothing (the start-of-use draft takes the new
  period). The invoice still a draft: recomputed in place. Issued (issued, posted or paid): a
  document for the difference that points at it — more: an **additional invoice** (追加請求書), a
  draft the next billing run issues, then due, paid and dunned like any invoice (one waits per
  invoice; a further change revises it); less: a **fee credit** (適格返還請求書, the credit-note
  number series) issued at once with its PDF and offset against the invoice (``amount_paid``).
* ``billing_address_change_settle`` — a new 請求書送付先 reaches the drafts only; what was issued
  keeps the address it was sent to.

What is billed is the live invoice plus its adjustments that are not void. Tax is taken once per
document and rate (tax.py), so the difference of a change is the new document's total.
"""

from calsreg.billing.services.adjustments.impact import FeeImpact, Settlement, fee_impact
from calsreg.billing.services.adjustments.settle import billing_address_change_settle, fee_change_settle

__all__ = ["FeeImpact", "Settlement", "billing_address_change_settle", "fee_change_settle", "fee_impact"]
