"""A change form (変更申込書) that arrived attached to a mail read from the help desk's mailbox."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from calsreg.accounts.models import Project
from calsreg.changes.excel import ChangeWorkbook, change_workbook_read
from calsreg.changes.models import ChangeChannel, ChangeRequest
from calsreg.changes.services.intake import ChangeForm, change_request_submit
from calsreg.core import clock
from calsreg.core.errors import FieldError, UploadRefused, ValidationFailed
from calsreg.core.uploads import EML_CONTENT_TYPE, XLSX_CONTENT_TYPE
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, evidence_files_discarded_on_failure, evidence_store


@transaction.atomic
def change_request_submit_mail(
    *, workbook: bytes, filename: str, eml: bytes, eml_filename: str, language: str = "ja"
) -> ChangeRequest:
    """Read the change workbook attached to a received mail and file it for the project it names.

    The workbook names its project twice (id and project number, written when it was generated):
    both must name the same project, or it is refused as a form of no known project. The filer is
    anonymous (``registration_hidden``: nothing in a refusal may confirm a guess about the
    registration) and the acknowledgment goes only to the addresses on file. The mail itself is kept
    as the request's evidence beside the workbook.

    Raises UploadRefused (not a change form, unknown project), ValidationFailed (every problem, each
    named by the workbook row it came from), DomainError (a closed project); nothing is stored then.
    """
    with evidence_files_discarded_on_failure():
        read = change_workbook_read(content=workbook, filename=filename)
        project = _project_named(read, filename=filename)
        actor = Actor.applicant(str(read.raw.get("requester_email") or "").strip() or "anonymous")
        try:
            request = change_request_submit(
                project=project,
                raw=read.raw,
                channel=ChangeChannel.MAIL,
                actor=actor,
                form=ChangeForm(content=workbook, filename=filename, content_type=XLSX_CONTENT_TYPE),
                language=language,
                registration_hidden=True,
            )
        except ValidationFailed as failure:
            raise ValidationFailed(errors=change_workbook_problems(failure.errors, read)) from failure
        evidence_store(
            content=eml,
            original_name=eml_filename,
            content_type=EML_CONTENT_TYPE,
            kind=EvidenceKind.RECEIVED_MAIL,
            subject=request,
            actor=actor,
            received_at=clock.now(),
        )
    return request


def change_workbook_problems(errors: list[FieldError], workbook: ChangeWorkbook) -> list[FieldError]:
    """Item errors named by the workbook row they came from (``ChangeWorkbook.origins``)."""
    named = []
    for error in errors:
        index = _item_index(error.field)
        label = workbook.origins[index - 1] if 0 < index <= len(workbook.origins) else error.label
        named.append(FieldError(field=error.field, label=label, message=error.message))
    return named


def _item_index(field: str) -> int:
    """``items[3].after`` → 3 (1-based, as the validator numbers items); 0 for any other field."""
    if not field.startswith("items["):
        return 0
    number = field[len("items[") :].split("]", 1)[0]
    return int(number) if number.isdigit() else 0


def _project_named(read: ChangeWorkbook, *, filename: str) -> Project:
    project = (
        Project.objects.select_related("application", "office")
        .filter(pk=read.project_id, project_number=read.project_number)
        .first()
    )
    if project is None:
        raise UploadRefused(
            _(
                "「%(filename)s」に書かれた工事（工事番号 %(number)s）が見つかりません。"
                "マイページからその工事の変更申込書をダウンロードし直し、記入して送ってください。"
            )
            % {"filename": filename, "number": read.project_number[:60]}
        )
    return project
