"""Writes of the applications app. Every change: one atomic function, audit row and notices inside.

- ``channels``: intake, one service per channel (payload, workbook, mail), each validating first.
- ``intake``: the one submit service behind them, supervisor matching, audited staff views.
- ``decisions``: return for correction and resubmission, rejection, withdrawal.
- ``assignment``: the help-desk operator in charge.
- ``progress``: the main line's steps, taken on the word of verification and accounts.
- ``details``: the contractor, applicant and billing details of a registered project corrected.
- ``erasure``: the personal data erased by the retention purge.
"""

from calsreg.applications.services.assignment import application_assign
from calsreg.applications.services.channels import (
    application_check_payload,
    application_resubmit_payload,
    application_submit_at_desk,
    application_submit_mail,
    application_submit_mailbox,
    application_submit_payload,
    application_submit_workbook,
)
from calsreg.applications.services.decisions import (
    application_reject,
    application_resubmit,
    application_return,
    application_withdraw,
    correction_link_check,
)
from calsreg.applications.services.details import (
    REGISTRATION_DETAIL_FIELDS,
    application_details_change,
)
from calsreg.applications.services.erasure import (
    APPLICATION_PERSONAL_FIELDS,
    application_personal_data_erase,
)
from calsreg.applications.services.intake import (
    EVIDENCE_KIND_BY_CHANNEL,
    ReceivedFile,
    application_match_supervisors,
    application_submit,
    application_viewed,
    submission_as_evidence,
)
from calsreg.applications.services.progress import (
    application_confirm,
    application_confirmation_started,
    application_in_service,
    application_registered,
)

__all__ = [
    "APPLICATION_PERSONAL_FIELDS",
    "EVIDENCE_KIND_BY_CHANNEL",
    "REGISTRATION_DETAIL_FIELDS",
    "ReceivedFile",
    "application_assign",
    "application_check_payload",
    "application_confirm",
    "application_confirmation_started",
    "application_details_change",
    "application_in_service",
    "application_match_supervisors",
    "application_personal_data_erase",
    "application_registered",
    "application_reject",
    "application_resubmit",
    "application_resubmit_payload",
    "application_return",
    "application_submit",
    "application_submit_at_desk",
    "application_submit_mail",
    "application_submit_mailbox",
    "application_submit_payload",
    "application_submit_workbook",
    "application_viewed",
    "application_withdraw",
    "correction_link_check",
    "submission_as_evidence",
]
