"""``lead_times_rebuild``: recompute the stored step durations the lead-time panel reads.

For rows written without the services (a bulk load, the benchmark's population) and after the desk
hours in the settings changed (business time depends on them). Each app rewrites its own table.
"""

from __future__ import annotations

from calsreg.applications.services.step_times import application_step_times_rebuild
from calsreg.changes.services.step_times import change_request_step_times_rebuild


def lead_times_rebuild() -> dict[str, int]:
    """Step rows written per kind of case."""
    return {
        "applications": application_step_times_rebuild(),
        "change_requests": change_request_step_times_rebuild(),
    }
