"""The application's stored step durations (``core.step_times``): rewritten with the timestamps.

``progress`` calls ``application_step_times_record`` after stamping a step. A returned application
is received again when corrected (resubmission moves ``submitted_at``); returns happen only before
confirmation, so no step has ended yet then, and its first step is counted from the corrected
application's receipt: the time the applicant spent correcting is not the desk's.
"""

from __future__ import annotations

from calsreg.applications.models import APPLICATION_STEP_SPANS, Application, ApplicationStepTime
from calsreg.core.step_times import step_times_rebuild, step_times_write


def application_step_times_record(*, application: Application) -> None:
    """Replace the application's step rows by those of its current timestamps (caller's transaction)."""
    step_times_write(
        step_model=ApplicationStepTime,
        subject_field="application",
        subject=application,
        spans=APPLICATION_STEP_SPANS,
    )


def application_step_times_rebuild() -> int:
    """Recompute every application's step rows from its timestamps; the number of rows written."""
    return step_times_rebuild(
        subject_model=Application,
        step_model=ApplicationStepTime,
        subject_field="application",
        spans=APPLICATION_STEP_SPANS,
    )
