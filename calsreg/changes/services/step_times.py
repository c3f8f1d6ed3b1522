"""The change request's stored step durations (``core.step_times``): rewritten with the timestamps
by the call-back (verified) and apply services."""

from __future__ import annotations

from calsreg.changes.models import CHANGE_REQUEST_STEP_SPANS, ChangeRequest, ChangeRequestStepTime
from calsreg.core.step_times import step_times_rebuild, step_times_write


def change_request_step_times_record(*, request: ChangeRequest) -> None:
    """Replace the request's step rows by those of its current timestamps (caller's transaction)."""
    step_times_write(
        step_model=ChangeRequestStepTime,
        subject_field="change_request",
        subject=request,
        spans=CHANGE_REQUEST_STEP_SPANS,
    )


def change_request_step_times_rebuild() -> int:
    """Recompute every change request's step rows from its timestamps; the number of rows written."""
    return step_times_rebuild(
        subject_model=ChangeRequest,
        step_model=ChangeRequestStepTime,
        subject_field="change_request",
        spans=CHANGE_REQUEST_STEP_SPANS,
    )
