"""The portal's two ways to apply, each ending in the same validator and the same submit service."""

from __future__ import annotations

from typing import Any

from calsreg.applications.excel.reader import workbook_read
from calsreg.applications.models import Application, Channel
from calsreg.applications.services import ReceivedFile, application_submit, submission_as_evidence
from calsreg.applications.validation import ApplicationData, validate_application
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def application_check_from_web(*, raw: dict[str, Any]) -> ApplicationData:
    """Validate the web form's payload exactly as sending it would, storing nothing (the confirmation
    page); raises ValidationFailed listing every problem."""
    return validate_application(raw, require_directory_supervisors=True)


def application_submit_from_web(*, raw: dict[str, Any], language: str) -> Application:
    """Validate the web form's payload and record it; raises ValidationFailed listing every problem.

    Supervisors must be chosen from the directory here: on the web the applicant picks them from
    the office's list, so no name typed by the applicant is ever used as a contact.
    """
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.WEB,
        actor=Actor.applicant(data.values["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
        language=language,
    )


def application_submit_from_workbook(*, content: bytes, filename: str, language: str) -> Application:
    """Read, validate and record a filled workbook, keeping the file itself as evidence.

    Raises UploadRefused (not a readable application workbook) or ValidationFailed (its content);
    either way nothing is stored. Supervisors' names typed on the workbook are matched by the desk.
    """
    raw = workbook_read(content=content, filename=filename)
    data = validate_application(raw, require_directory_supervisors=False)
    original = ReceivedFile(
        content=content,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
        kind=EvidenceKind.APPLICATION_WORKBOOK,
    )
    return application_submit(
        data=data,
        channel=Channel.WORKBOOK,
        actor=Actor.applicant(data.values["applicant_email"]),
        originals=[original],
        language=language,
    )
