"""Writes of the verification app (seed step 3). Every change: one atomic function, audit row and
notices inside, and the decision (``confirmation_decide``) at the end of each answer or call.

- ``requests``: the confirmation mail to the directory supervisors, its send-time link, reminders.
- ``answers``: the supervisor's answer by link or by reply mail (only from the directory address),
  the desk's phone calls.
- ``decision``: confirmed (positive answer and positive call) or rejected (any denial).
- ``erasure``: the personal data erased by the retention purge.
"""

from calsreg.verification.services.answers import (
    RecordedReply,
    call_record,
    confirmation_answer_by_link,
    confirmation_reply_record,
)
from calsreg.verification.services.decision import confirmation_decide
from calsreg.verification.services.erasure import confirmations_personal_data_erase
from calsreg.verification.services.requests import (
    DESK_OVERDUE_KIND,
    REMINDER_KIND,
    REQUEST_KIND,
    confirmation_link_prepare,
    confirmation_request_send,
    confirmations_overdue_sweep,
)

__all__ = [
    "DESK_OVERDUE_KIND",
    "REMINDER_KIND",
    "REQUEST_KIND",
    "RecordedReply",
    "call_record",
    "confirmation_answer_by_link",
    "confirmation_decide",
    "confirmation_link_prepare",
    "confirmation_reply_record",
    "confirmation_request_send",
    "confirmations_overdue_sweep",
    "confirmations_personal_data_erase",
]
