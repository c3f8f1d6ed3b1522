"""Writes of the lifecycle app: erasing personal data at the end of its retention period.

- ``purge``: the daily job and the purge of one application (with its project); each app erases
  its own rows through its own service.
"""

from calsreg.lifecycle.services.purge import (
    PURGE_JOB_ACTOR,
    PurgeIncomplete,
    application_personal_data_purge,
    personal_data_purge_due,
)

__all__ = [
    "PURGE_JOB_ACTOR",
    "PurgeIncomplete",
    "application_personal_data_purge",
    "personal_data_purge_due",
]
