"""Writes of the changes app (seed steps 7–9). Every change: one atomic function, audit and notices inside.

- ``intake``: file a change request (any channel) and assign it to an operator.
- ``mail``: a change workbook attached to a mail read from the help desk's mailbox.
- ``callbacks``: the call-back to a number on file and the per-item confirmation (identity verification).
- ``apply``: apply the confirmed items of a verified request; reject a request.
- ``disclosure``: personal-data disclosure (deletion is applied through ``accounts``).
- ``erasure``: the requests' personal data erased by the retention purge.
"""

from calsreg.changes.services.apply import (
    ChangeApplyPlan,
    change_request_apply,
    change_request_apply_preview,
    change_request_reject,
)
from calsreg.changes.services.callbacks import callback_record
from calsreg.changes.services.disclosure import personal_data_disclose, personal_data_of
from calsreg.changes.services.erasure import change_requests_personal_data_erase
from calsreg.changes.services.intake import (
    ChangeForm,
    change_request_assign,
    change_request_submit,
    change_request_viewed,
)
from calsreg.changes.services.mail import change_request_submit_mail

__all__ = [
    "ChangeApplyPlan",
    "ChangeForm",
    "callback_record",
    "change_request_apply",
    "change_request_apply_preview",
    "change_request_assign",
    "change_request_reject",
    "change_request_submit",
    "change_request_submit_mail",
    "change_request_viewed",
    "change_requests_personal_data_erase",
    "personal_data_disclose",
    "personal_data_of",
]
