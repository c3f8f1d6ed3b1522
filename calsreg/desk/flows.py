"""Desk flows that chain domain steps for one operator action.

Views stay thin: each calls one function here or one domain service. These belong to the desk
because they only sequence existing services (no rule of their own): reading what arrived, the one
validator, and the one submit service the portal and the API use too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.excel.reader import workbook_read
from calsreg.applications.mail_intake import workbook_from_eml
from calsreg.applications.models import Application, Channel
from calsreg.applications.services import ReceivedFile, application_submit
from calsreg.applications.validation import validate_application
from calsreg.core.errors import NotFound
from calsreg.records.models import Evidence, EvidenceKind
from calsreg.records.services import Actor, audit_record, sha256_of

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EML_CONTENT_TYPE = "message/rfc822"


def desk_intake(*, content: bytes, filename: str, is_mail: bool, actor: Actor) -> Application:
    """Register an application the desk received as a workbook (.xlsx) or as a mail (.eml).

    The workbook is kept as evidence; for a mail, the whole mail is kept too (it shows who sent it and
    when). Supervisors typed on the workbook are not trusted as contacts: the desk matches them to the
    directory afterwards, so they are not required here.

    Raises ``UploadRefused`` (unreadable file or mail without a workbook) or ``ValidationFailed``
    (every problem in the content); nothing is saved then.
    """
    originals: list[ReceivedFile] = []
    if is_mail:
        mail = workbook_from_eml(content=content)
        workbook_bytes, workbook_name = mail.workbook_bytes, mail.workbook_filename
        channel = Channel.DESK_MAIL
    else:
        workbook_bytes, workbook_name = content, filename
        channel = Channel.DESK_WORKBOOK
    raw = workbook_read(content=workbook_bytes, filename=workbook_name)
    data = validate_application(raw, require_directory_supervisors=False)
    originals.append(
        ReceivedFile(
            content=workbook_bytes,
            filename=workbook_name,
            content_type=XLSX_CONTENT_TYPE,
            kind=EvidenceKind.APPLICATION_WORKBOOK,
        )
    )
    if is_mail:
        originals.append(
            ReceivedFile(
                content=content,
                filename=filename,
                content_type=EML_CONTENT_TYPE,
                kind=EvidenceKind.RECEIVED_MAIL,
            )
        )
    return application_submit(data=data, channel=channel, actor=actor, originals=originals)


@dataclass(frozen=True)
class EvidenceCopy:
    """The stored bytes of one evidence file, and whether they still match the recorded checksum."""

    evidence: Evidence
    content: bytes | None
    intact: bool

    @property
    def missing(self) -> bool:
        return self.content is None


def evidence_read(*, evidence: Evidence) -> EvidenceCopy:
    """Read the stored file once and verify exactly the bytes that would be served."""
    try:
        with evidence.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return EvidenceCopy(evidence=evidence, content=None, intact=False)
    return EvidenceCopy(evidence=evidence, content=content, intact=sha256_of(content) == evidence.sha256)


@transaction.atomic
def evidence_download(*, copy: EvidenceCopy, application: Application, actor: Actor) -> None:
    """Audit that staff took a copy of an application's evidence (it holds personal data).

    Recorded on the application, so its timeline shows who downloaded what and whether the file
    still verified at that moment.
    """
    evidence = copy.evidence
    audit_record(
        actor=actor,
        action="evidence.downloaded",
        subject=application,
        summary=(
            gettext_noop("証跡ファイルをダウンロードしました: %(name)s")
            if copy.intact
            else gettext_noop("チェックサムが一致しない証跡ファイルをダウンロードしました: %(name)s")
        ),
        summary_params={"name": evidence.original_name},
        data={"evidence_id": evidence.pk, "sha256": evidence.sha256, "intact": copy.intact},
    )


def application_evidence(*, evidence_id: int) -> tuple[Evidence, Application]:
    """An evidence file kept for an application, with that application; NotFound otherwise."""
    evidence = Evidence.objects.filter(pk=evidence_id, subject_type=Application._meta.model_name).first()
    application = Application.objects.filter(pk=evidence.subject_id).first() if evidence else None
    if evidence is None or application is None:
        raise NotFound(_("証跡ファイルが見つかりません。"))
    return evidence, application
