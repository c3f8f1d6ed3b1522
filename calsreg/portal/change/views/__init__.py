"""Change (correction) requests — 変更(訂正)申込, seed step 7 — by every channel but the desk.

- My page (signed in): the project's registration beside a form of what changes, the fee impact
  (htmx, and without JavaScript on "確認"), the Excel change form to download and upload, the list of
  the account's requests.
- The portal (no sign-in): the receipt or project number, the requester and the items. Nothing of
  the registration is ever shown, and the validator's findings that depend on it are not told
  (``registration_hidden`` in ``changes.validation``).

Each view parses the input, calls ``changes.services.change_request_submit`` and renders its result or
its refusal. The request is only filed: nothing changes until the help desk has called back a number
already on file (seed step 8).
"""

from calsreg.portal.change.views.common import receipt
from calsreg.portal.change.views.mypage import fee_preview, index, mypage_form
from calsreg.portal.change.views.portal import portal_form
from calsreg.portal.change.views.workbook import mypage_upload, portal_upload, workbook_download

__all__ = [
    "fee_preview",
    "index",
    "mypage_form",
    "mypage_upload",
    "portal_form",
    "portal_upload",
    "receipt",
    "workbook_download",
]
