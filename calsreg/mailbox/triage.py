"""The desk's actions on a message of the triage list (issue 14, item 2).

Each is one transaction: the message row is locked first (then, inside the domain service it calls,
the application and the request, in their services' order), its state checked, the one domain call
made, the message moved to ``HANDLED`` with its result, and the audit row written. A refusal raises a
``DomainError`` and changes nothing: not the message, not the application, no file kept.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application
from calsreg.applications.selectors import application_by_receipt_number
from calsreg.applications.services.channels import application_submit_mail
from calsreg.core import clock
from calsreg.core.errors import FieldError, InvalidTransition, NotFound, ValidationFailed
from calsreg.core.subjects import subject_type_of
from calsreg.core.text import text_refusal
from calsreg.core.uploads import EML_CONTENT_TYPE
from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.mailbox.recording import message_raw
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store
from calsreg.verification.selectors import confirmation_request_for_reply
from calsreg.verification.services import RecordedReply, confirmation_reply_record

NOTE_MAX_CHARS = 2000


@transaction.atomic
def message_attach_to_application(*, message_id: int, receipt_number: str, actor: Actor) -> Application:
    """Keep the mail as evidence of the application with ``receipt_number`` (its page lists it).

    Raises NotFound (no such message or application), InvalidTransition (not on the triage list),
    DomainError (the kept mail cannot be read back intact).
    """
    message = _triage_locked(message_id)
    application = application_by_receipt_number(receipt_number=receipt_number)
    raw = message_raw(message=message)
    evidence = evidence_store(
        content=raw,
        original_name=message.evidence.original_name,
        content_type=EML_CONTENT_TYPE,
        kind=EvidenceKind.RECEIVED_MAIL,
        subject=application,
        actor=actor,
        received_at=message.arrived_at,
        note=f"mailbox_message:{message.pk}",
    )
    audit_record(
        actor=actor,
        action="application.mail_attached",
        subject=application,
        summary=gettext_noop("受信メール「%(subject)s」（%(sender)s）を申込に添付しました。"),
        summary_params={"subject": message.subject_line, "sender": message.from_address},
        data={"mailbox_message_id": message.pk, "evidence_id": evidence.pk, "sha256": evidence.sha256},
    )
    _handled(
        message,
        result=application,
        actor=actor,
        action="mailbox_message.attached",
        summary=gettext_noop("申込 %(receipt)s に添付しました。"),
        params={"receipt": application.receipt_number},
        data={"evidence_id": evidence.pk},
    )
    return application


@transaction.atomic
def message_file_as_application(*, message_id: int, actor: Actor) -> Application:
    """Record the mail's workbook as a new application, as the desk's .eml intake does.

    Raises NotFound, InvalidTransition, UploadRefused (no single workbook, unreadable) or
    ValidationFailed (every problem of the workbook); nothing is recorded then.
    """
    message = _triage_locked(message_id)
    application = application_submit_mail(
        content=message_raw(message=message), filename=message.evidence.original_name, actor=actor
    )
    _handled(
        message,
        result=application,
        actor=actor,
        action="mailbox_message.filed",
        summary=gettext_noop("新しい申込 %(receipt)s として登録しました。"),
        params={"receipt": application.receipt_number},
    )
    return application


@transaction.atomic
def message_record_as_reply(
    *, message_id: int, request_id: int, answer: str, reason: str, actor: Actor
) -> RecordedReply:
    """Record the mail as the supervisor's reply to the open confirmation request ``request_id``.

    The reply's rules are verification's (``confirmation_reply_record``): a sender other than the
    directory address is kept but confirms and denies nothing (``RecordedReply.unlisted``); the
    message is handled either way. Raises NotFound, InvalidTransition (message not in triage, request
    no longer open), ValidationFailed (answer, reason), UploadRefused.
    """
    message = _triage_locked(message_id)
    request = confirmation_request_for_reply(request_id=request_id)
    if request is None:
        raise NotFound(_("確認依頼が見つかりません。候補を選び直してください。"))
    recorded = confirmation_reply_record(
        request=request,
        eml=message_raw(message=message),
        answer=answer,
        reason=reason,
        actor=actor,
        filename=message.evidence.original_name,
    )
    _handled(
        message,
        result=recorded.request if recorded.counted else recorded.unlisted,
        actor=actor,
        action="mailbox_message.reply_recorded",
        summary=(
            gettext_noop("申込 %(receipt)s の監督員 %(name)s の返信として記録しました。")
            if recorded.counted
            else gettext_noop(
                "申込 %(receipt)s の監督員 %(name)s 宛ての返信として保存しました（差出人が名簿のアドレスでないため、回答には数えていません）。"
            )
        ),
        params={"receipt": request.application.receipt_number, "name": request.supervisor.name},
        data={"request_id": request.pk, "answer": answer, "counted": recorded.counted},
    )
    return recorded


@transaction.atomic
def message_mark_handled(*, message_id: int, note: str, actor: Actor) -> MailboxMessage:
    """Take the message off the triage list with the desk's note (required): dealt with elsewhere.
    Raises NotFound, InvalidTransition, ValidationFailed (note)."""
    note = _note_checked(note, label=_("対応内容のメモ"))
    message = _triage_locked(message_id)
    _handled(
        message,
        result=None,
        actor=actor,
        action="mailbox_message.handled",
        summary=gettext_noop("対応済みにしました: %(note)s"),
        params={"note": note},
    )
    return message


@transaction.atomic
def message_back_to_triage(*, message_id: int, note: str, actor: Actor) -> MailboxMessage:
    """Put a handled message back on the triage list (a mistake); why is required.

    What the handling recorded stays (an application, a reply, a kept file: none is undone here);
    the message only waits for the desk again. Raises NotFound, InvalidTransition, ValidationFailed.
    """
    note = _note_checked(note, label=_("差し戻す理由"))
    message = _locked(message_id)
    if message.state != MessageState.HANDLED:
        raise InvalidTransition(
            _("対応済みのメールだけを差し戻せます。ページを開き直してください。"),
            current=message.state,
            target=MessageState.TRIAGE,
        )
    before = {"result_type": message.result_type, "result_id": message.result_id}
    message.state = MessageState.TRIAGE
    message.result_type, message.result_id = "", None
    message.handled_at, message.handled_by = None, None
    message.save(
        update_fields=["state", "result_type", "result_id", "handled_at", "handled_by", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="mailbox_message.reopened",
        subject=message,
        summary=gettext_noop("要確認に差し戻しました: %(note)s"),
        summary_params={"note": note},
        data={"before": before},
    )
    return message


def message_viewed(*, message: MailboxMessage, actor: Actor) -> None:
    """Record that staff opened a received mail (its sender's personal data; security invariant 5)."""
    audit_record(
        actor=actor,
        action="mailbox_message.viewed",
        subject=message,
        summary=gettext_noop("受信メール（個人情報を含む）を閲覧しました。"),
    )


def _locked(message_id: int) -> MailboxMessage:
    message = (
        MailboxMessage.objects.select_for_update().select_related("evidence").filter(pk=message_id).first()
    )
    if message is None:
        raise NotFound(_("受信メールが見つかりません。"))
    return message


def _triage_locked(message_id: int) -> MailboxMessage:
    message = _locked(message_id)
    if message.state != MessageState.TRIAGE:
        raise InvalidTransition(
            _("このメールは要確認ではありません（%(state)s）。ページを開き直してください。")
            % {"state": message.get_state_display()},
            current=message.state,
            target=MessageState.HANDLED,
        )
    return message


def _note_checked(note: str, *, label: str) -> str:
    note = (note or "").strip()
    problem = None
    if not note:
        problem = _("%(label)sを入力してください。") % {"label": label}
    elif len(note) > NOTE_MAX_CHARS:
        problem = _("%(label)sは%(max)s文字以内で入力してください。") % {
            "label": label,
            "max": NOTE_MAX_CHARS,
        }
    else:
        problem = text_refusal(note, label=label, multiline=True)
    if problem:
        raise ValidationFailed(errors=[FieldError(field="note", message=problem, label=label)])
    return note


def _handled(
    message: MailboxMessage,
    *,
    result: object,
    actor: Actor,
    action: str,
    summary: str,
    params: dict[str, object],
    data: dict[str, object] | None = None,
) -> None:
    message.state = MessageState.HANDLED
    message.result_type = subject_type_of(result) if result is not None else ""  # type: ignore[arg-type]
    message.result_id = getattr(result, "pk", None)
    message.handled_at = clock.now()
    message.handled_by = actor.user
    message.save(
        update_fields=["state", "result_type", "result_id", "handled_at", "handled_by", "updated_at"]
    )
    audit_record(
        actor=actor,
        action=action,
        subject=message,
        summary=summary,
        summary_params=params,
        data={"result_type": message.result_type, "result_id": message.result_id, **(data or {})},
    )
