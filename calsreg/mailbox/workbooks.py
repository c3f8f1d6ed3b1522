"""A mail with one workbook attached: an application or a change form, told apart by the form
markers, handed to that form's one intake service; a refusal answered to the sender."""

from __future__ import annotations

from django.utils.translation import gettext as _

from calsreg.applications.services import application_submit_mailbox
from calsreg.changes.services import change_request_submit_mail
from calsreg.core.errors import DomainError, FieldError, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.mailbox.classify import Form, workbook_form
from calsreg.mailbox.models import MailboxMessage, MessageKind, TriageReason
from calsreg.mailbox.outcome import Outcome, processed, triage
from calsreg.mailbox.parsing import Attachment, ParsedMail
from calsreg.mailbox.replies import refusal_reply


def workbook_process(
    *, message: MailboxMessage, mail: ParsedMail, raw: bytes, workbook: Attachment
) -> Outcome:
    """One domain call: the application intake or the change-request intake. Their refusals (the
    upload guards, every problem of the content, a closed or unknown project) are outcomes: the
    message goes to the desk and the sender is told each problem (``replies.refusal_reply``)."""
    filename = workbook.filename or "workbook.xlsx"
    eml_name = f"mail-{message.mailbox}-{message.uid}.eml"
    kind = MessageKind.OTHER  # until the form markers are read (the guards refuse before)
    try:
        form = workbook_form(workbook)
        kind = MessageKind.CHANGE_FORM if form == Form.CHANGE else MessageKind.APPLICATION
        if form == Form.CHANGE:
            change = change_request_submit_mail(
                workbook=workbook.content, filename=filename, eml=raw, eml_filename=eml_name
            )
            return processed(
                kind=kind,
                reason=_("変更申込書を変更申込 %(number)s として受け付けました。")
                % {"number": change.number},
                result=change,
                change_number=change.number,
                workbook=workbook.seen(),
            )
        application = application_submit_mailbox(content=raw, filename=eml_name)
    except StorageFailed:
        raise  # the disk, not the workbook: tried again on a later pass
    except DomainError as refusal:
        return _refused(message=message, mail=mail, kind=kind, workbook=workbook, refusal=refusal)
    return processed(
        kind=kind,
        reason=_("利用申込書を受付番号 %(number)s として受け付けました。")
        % {"number": application.receipt_number},
        result=application,
        receipt_number=application.receipt_number,
        workbook=workbook.seen(),
    )


def _problems(refusal: DomainError, filename: str) -> list[dict[str, str]]:
    """Each problem as the reply names it: the field (or the file) and what to do."""
    if isinstance(refusal, ValidationFailed):
        errors = refusal.errors
    else:
        errors = [
            FieldError(
                field="file",
                label=_("添付ファイル「%(name)s」") % {"name": filename},
                message=refusal.message,
            )
        ]
    return [{"label": str(error.label), "message": str(error.message)} for error in errors]


def _refused(
    *, message: MailboxMessage, mail: ParsedMail, kind: str, workbook: Attachment, refusal: DomainError
) -> Outcome:
    filename = workbook.filename or "workbook.xlsx"
    problems = _problems(refusal, filename)
    reply = refusal_reply(message=message, mail=mail, filename=filename, problems=problems)
    listed = "\n".join(
        f"・{p['label']}：{p['message']}" if p["label"] else f"・{p['message']}" for p in problems
    )
    return triage(
        kind=kind,
        why=TriageReason.WORKBOOK_REFUSED,
        reason=_("添付の「%(filename)s」を受け付けできませんでした（%(count)s件の不備）。\n%(problems)s")
        % {"filename": filename, "count": len(problems), "problems": listed},
        problems=problems,
        reply=reply.value,
        workbook=workbook.seen(),
    )
