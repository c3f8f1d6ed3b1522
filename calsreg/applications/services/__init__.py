"""Writes of the applications app. Every change: one atomic function, audit row and notices inside.

- ``intake``: submission from every channel, supervisor matching, audited staff views.
- ``decisions``: return for correction and resubmission, rejection, withdrawal.
- ``assignment``: the help-desk operator in charge.
"""

from calsreg.applications.services.assignment import application_assign
from calsreg.applications.services.decisions import (
    application_reject,
    application_resubmit,
    application_return,
    application_withdraw,
    correction_link_check,
)
from calsreg.applications.services.intake import (
    EVIDENCE_KIND_BY_CHANNEL,
    ReceivedFile,
    application_match_supervisors,
    application_submit,
    application_viewed,
    submission_as_evidence,
)

__all__ = [
    "EVIDENCE_KIND_BY_CHANNEL",
    "ReceivedFile",
    "application_assign",
    "application_match_supervisors",
    "application_reject",
    "application_resubmit",
    "application_return",
    "application_submit",
    "application_viewed",
    "application_withdraw",
    "correction_link_check",
    "submission_as_evidence",
]
