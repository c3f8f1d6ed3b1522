"""Intake, one service per way an application arrives: a payload (the web form, the API's JSON), a
workbook (portal, API, desk), a received mail (desk, or read from the help desk's mailbox). Each reads and validates everything first,
then records the application with its originals as evidence and its audit row
(``application_submit``); the portal, the desk and the API each make one call here.

A refusal raises ``UploadRefused`` (not a readable workbook or mail) or ``ValidationFailed`` (every
problem in the content); nothing is stored then, not even a file: files written by a submission
that fails are deleted (``evidence_files_discarded_on_failure``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from calsreg.applications.excel.reader import workbook_read
from calsreg.applications.mail_intake import workbook_from_eml
from calsreg.applications.models import Application, Channel
from calsreg.applications.services.decisions import application_resubmit
from calsreg.applications.services.intake import ReceivedFile, application_submit, submission_as_evidence
from calsreg.applications.validation import ApplicationData, validate_application
from calsreg.core.uploads import EML_CONTENT_TYPE, XLSX_CONTENT_TYPE
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, evidence_files_discarded_on_failure

PAYLOAD_CHANNELS = frozenset({Channel.WEB, Channel.API})
WORKBOOK_CHANNELS = frozenset({Channel.WORKBOOK, Channel.API, Channel.DESK_WORKBOOK})


def application_check_payload(*, raw: Mapping[str, Any]) -> ApplicationData:
    """Validate a payload exactly as submitting it would, storing nothing (the confirmation page).
    Raises ValidationFailed listing every problem."""
    return validate_application(dict(raw), require_directory_supervisors=True)


def application_submit_payload(
    *,
    raw: Mapping[str, Any],
    channel: Channel,
    language: str,
    received: Mapping[str, Any] | None = None,
) -> Application:
    """Validate and record a web form's or the API's payload, kept as JSON evidence.

    ``received`` is the submission exactly as it arrived, when the interface normalised it into
    ``raw`` first (the API's schema); it is what is kept. Supervisors must be chosen from the
    directory here: on these channels the applicant picks them from the office's list, so no name
    typed by the applicant is ever used as a contact.
    """
    if channel not in PAYLOAD_CHANNELS:
        raise ValueError(f"not a payload channel: {channel}")
    data = application_check_payload(raw=raw)
    original = submission_as_evidence(raw=dict(received if received is not None else raw), channel=channel)
    return _submit(
        data=data, channel=channel, actor=_applicant(data), originals=[original], language=language
    )


def application_resubmit_payload(*, token: str, raw: Mapping[str, Any], language: str) -> Application:
    """The web form corrected through a correction link, validated exactly like a new web
    application. Raises ValidationFailed (the link stays usable) or NotFound / InvalidTransition
    (the link is refused)."""
    data = application_check_payload(raw=raw)
    with evidence_files_discarded_on_failure():
        return application_resubmit(
            token=token,
            data=data,
            originals=[submission_as_evidence(raw=dict(raw), channel=Channel.WEB)],
            actor=_applicant(data),
            language=language,
        )


def application_submit_workbook(
    *,
    content: bytes,
    filename: str,
    channel: Channel,
    language: str = "ja",
    actor: Actor | None = None,
) -> Application:
    """Read, validate and record a filled workbook, keeping the file itself as evidence.

    The applicant is the actor unless staff registered it (``actor``, the desk). Supervisors' names
    typed on the workbook are not trusted as contacts: the desk matches them to the directory.
    """
    if channel not in WORKBOOK_CHANNELS:
        raise ValueError(f"not a workbook channel: {channel}")
    data = _workbook_validated(content=content, filename=filename)
    return _submit(
        data=data,
        channel=channel,
        actor=actor or _applicant(data),
        originals=[_workbook_original(content=content, filename=filename)],
        language=language,
    )


def application_submit_mail(
    *, content: bytes, filename: str, actor: Actor, language: str = "ja"
) -> Application:
    """Record the workbook attached to a mail (.eml) the desk received; the whole mail is kept too,
    beside the workbook (it shows who sent it and when)."""
    return _mail_submit(
        content=content, filename=filename, channel=Channel.DESK_MAIL, actor=actor, language=language
    )


def application_submit_mailbox(*, content: bytes, filename: str, language: str = "ja") -> Application:
    """Record the workbook attached to a mail the system read from the help desk's mailbox.

    The same path as a mail the desk uploads (``application_submit_mail``), on its own channel, with
    the applicant on the form as the actor: nobody at the desk handled it. The acknowledgment goes to
    the applicant's address on the form, as on the web form — never to the mail's sender as such.
    Raises UploadRefused / ValidationFailed like the other channels; nothing is stored then.
    """
    return _mail_submit(
        content=content, filename=filename, channel=Channel.MAILBOX, actor=None, language=language
    )


def _mail_submit(
    *, content: bytes, filename: str, channel: Channel, actor: Actor | None, language: str
) -> Application:
    mail = workbook_from_eml(content=content)
    data = _workbook_validated(content=mail.workbook_bytes, filename=mail.workbook_filename)
    originals = [
        _workbook_original(content=mail.workbook_bytes, filename=mail.workbook_filename),
        ReceivedFile(
            content=content, filename=filename, content_type=EML_CONTENT_TYPE, kind=EvidenceKind.RECEIVED_MAIL
        ),
    ]
    return _submit(
        data=data, channel=channel, actor=actor or _applicant(data), originals=originals, language=language
    )


def application_submit_at_desk(*, content: bytes, filename: str, actor: Actor) -> Application:
    """What reached the desk outside the portal: a mail (.eml) or else a workbook (.xlsx)."""
    if PurePath(filename).suffix.lower() == ".eml":
        return application_submit_mail(content=content, filename=filename, actor=actor)
    return application_submit_workbook(
        content=content, filename=filename, channel=Channel.DESK_WORKBOOK, actor=actor
    )


def _workbook_validated(*, content: bytes, filename: str) -> ApplicationData:
    raw = workbook_read(content=content, filename=filename)
    return validate_application(raw, require_directory_supervisors=False)


def _workbook_original(*, content: bytes, filename: str) -> ReceivedFile:
    return ReceivedFile(
        content=content,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
        kind=EvidenceKind.APPLICATION_WORKBOOK,
    )


def _applicant(data: ApplicationData) -> Actor:
    return Actor.applicant(data.values["applicant_email"])


def _submit(
    *, data: ApplicationData, channel: Channel, actor: Actor, originals: list[ReceivedFile], language: str
) -> Application:
    with evidence_files_discarded_on_failure():
        return application_submit(
            data=data, channel=channel, actor=actor, originals=originals, language=language
        )
