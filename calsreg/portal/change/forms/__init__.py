"""The change-request forms (変更申込, seed step 7) of my page and of the portal.

``request.POST`` → the raw payload of ``changes.validation`` (values exactly as typed), together with
where each item came from on the page, so that the validator's error paths (``items[3].value.email``)
land next to the input they are about. And the payload + errors → what the templates show. Nothing
here decides what is valid: the one validator does.

My page shows the registration, so each input is tied to one item (``new-period_end``,
``acct-tanaka.kqz-phone``, a checkbox per user or supervisor). The portal shows nothing of the
registration, so its items are generic rows: the item, its target, its new value.
"""

from calsreg.portal.change.forms.payload import (
    INITIAL_ITEM_ROWS,
    ITEMS_ANCHOR,
    MAX_ITEM_ROWS,
    MAX_PERSON_ROWS,
    ErrorLink,
    Filing,
    error_links,
    errors_by_input,
    fee_values,
    item_index,
    item_row_count,
    mypage_filing,
    person_row_count,
    portal_filing,
    relabel,
)
from calsreg.portal.change.forms.widgets import (
    end_row,
    person_checks,
    person_rows,
    portal_rows,
    reason_input,
    requester_inputs,
    role_choices,
    sections,
    supervisor_checks,
    user_blocks,
)

__all__ = [
    "INITIAL_ITEM_ROWS",
    "ITEMS_ANCHOR",
    "MAX_ITEM_ROWS",
    "MAX_PERSON_ROWS",
    "ErrorLink",
    "Filing",
    "end_row",
    "error_links",
    "errors_by_input",
    "fee_values",
    "item_index",
    "item_row_count",
    "mypage_filing",
    "person_checks",
    "person_row_count",
    "person_rows",
    "portal_filing",
    "portal_rows",
    "reason_input",
    "relabel",
    "requester_inputs",
    "role_choices",
    "sections",
    "supervisor_checks",
    "user_blocks",
]
