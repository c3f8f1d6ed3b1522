"""Answers from the supervisor — through the link, or by a reply mail the desk records — and the
desk's phone calls. Each one ends with ``confirmation_decide`` in the same transaction.

Lock order, everywhere: the application row, then the request row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.core.errors import FieldError, InvalidTransition, ValidationFailed
from calsreg.core.secrets import secret_hash
from calsreg.core.text import text_refusal
from calsreg.core.uploads import EML_CONTENT_TYPE
from calsreg.directory.models import Supervisor
from calsreg.notifications.models import StaffNoticeKind
from calsreg.notifications.staff_services import staff_notice_post
from calsreg.records.models import ActorType, Evidence, EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store
from calsreg.verification.errors import ConfirmationLinkRefused, LinkRefusal
from calsreg.verification.models import (
    Answer,
    CallOutcome,
    ConfirmationRequest,
    PhoneCall,
    ReplyChannel,
    UnlistedSenderReply,
)
from calsreg.verification.reply_mail import ReplyMail, reply_mail_read
from calsreg.verification.selectors import directory_supervisors, link_refusal
from calsreg.verification.services.decision import confirmation_decide

REASON_MAX_CHARS = 2000
# A call is recorded after it happened; a clock a few minutes apart is no reason to refuse it.
CALL_CLOCK_TOLERANCE = timedelta(minutes=5)

ANSWER_SUMMARIES: dict[tuple[str, str], str] = {
    (ReplyChannel.LINK, Answer.CONFIRMED): gettext_noop(
        "監督員 %(name)s が確認用リンクで申込内容を確認しました。"
    ),
    (ReplyChannel.LINK, Answer.DENIED): gettext_noop("監督員 %(name)s が確認用リンクで申込を否認しました。"),
    (ReplyChannel.MAIL, Answer.CONFIRMED): gettext_noop(
        "監督員 %(name)s の返信メール（確認）を記録しました。"
    ),
    (ReplyChannel.MAIL, Answer.DENIED): gettext_noop("監督員 %(name)s の返信メール（否認）を記録しました。"),
}
CALL_SUMMARIES: dict[str, str] = {
    CallOutcome.CONFIRMED: gettext_noop("監督員 %(name)s への電話で申込内容を確認できました。"),
    CallOutcome.DENIED: gettext_noop("監督員 %(name)s への電話で申込が否認されました。"),
    CallOutcome.NO_ANSWER: gettext_noop("監督員 %(name)s へ電話しましたが、応答がありませんでした。"),
    CallOutcome.WRONG_PERSON: gettext_noop(
        "監督員 %(name)s の番号へ電話しましたが、別の人につながりました。"
    ),
}


def _locked(application_id: int) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application_id)


def _answer_checked(answer: str, reason: str, *, reason_label: str) -> tuple[str, str]:
    reason = reason.strip()
    errors = []
    if answer not in Answer.values:
        errors.append(
            FieldError(field="answer", label=_("回答"), message=_("「確認」か「否認」を選んでください。"))
        )
    if answer == Answer.DENIED and not reason:
        errors.append(
            FieldError(
                field="reason", label=reason_label, message=_("否認の場合は、理由を入力してください。")
            )
        )
    refusal = text_refusal(reason, label=reason_label, multiline=True)
    if refusal is not None:
        errors.append(FieldError(field="reason", label=reason_label, message=refusal))
    elif len(reason) > REASON_MAX_CHARS:
        errors.append(
            FieldError(
                field="reason",
                label=reason_label,
                message=_("%(max)s文字以内で入力してください。") % {"max": REASON_MAX_CHARS},
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    return answer, reason


def supervisor_actor(supervisor: Supervisor) -> Actor:
    return Actor(type=ActorType.SUPERVISOR, label=f"{supervisor.name}（{supervisor.code}）")


@transaction.atomic
def confirmation_answer_by_link(
    *, token: str, answer: str, reason: str, now: datetime | None = None
) -> ConfirmationRequest:
    """The supervisor answers through the link. Single use: the request is bound to one application
    and one supervisor, and nothing else is taken from the client.

    Raises ConfirmationLinkRefused (unknown, used, superseded, not awaiting, expired) or
    ValidationFailed (no answer; a denial without a reason); nothing is changed then.
    """
    answer, reason = _answer_checked(answer, reason, reason_label=_("理由"))
    now = now or clock.now()
    token_hash = secret_hash(token)
    application_id = (
        ConfirmationRequest.objects.filter(token_hash=token_hash)
        .values_list("application_id", flat=True)
        .first()
    )
    if application_id is None:
        raise ConfirmationLinkRefused(LinkRefusal.UNKNOWN)
    application = _locked(application_id)
    # Read again under the lock: a reminder may have replaced the token meanwhile.
    request = (
        ConfirmationRequest.objects.select_for_update(of=("self",))
        .select_related("supervisor")
        .filter(token_hash=token_hash, application=application)
        .first()
    )
    if request is None:
        raise ConfirmationLinkRefused(LinkRefusal.UNKNOWN)
    refusal = link_refusal(request=request, application=application, now=now)
    if refusal is not None:
        raise ConfirmationLinkRefused(refusal)
    answered = _answer_save(
        request=request,
        application=application,
        answer=answer,
        reason=reason,
        channel=ReplyChannel.LINK,
        actor=supervisor_actor(request.supervisor),
        now=now,
    )
    _staff_notice(kind=StaffNoticeKind.SUPERVISOR_ANSWERED, request=request, application=application, now=now)
    return answered


def _staff_notice(
    *, kind: str, request: ConfirmationRequest, application: Application, now: datetime
) -> None:
    staff_notice_post(
        kind=kind,
        subject=application,
        at=now,
        summary=(
            gettext_noop("監督員 %(name)s が申込 %(receipt)s の確認依頼に回答しました。")
            if kind == StaffNoticeKind.SUPERVISOR_ANSWERED
            else gettext_noop("申込 %(receipt)s の監督員 %(name)s への確認依頼に、返信メールを記録しました。")
        ),
        summary_params={"name": request.supervisor.name, "receipt": application.receipt_number},
    )


@dataclass(frozen=True)
class RecordedReply:
    """What recording a reply mail did: it answered the request, or — from a sender other than the
    directory address — it was kept as ``unlisted`` and answered nothing."""

    request: ConfirmationRequest
    unlisted: UnlistedSenderReply | None = None

    @property
    def counted(self) -> bool:
        return self.unlisted is None


@transaction.atomic
def confirmation_reply_record(
    *,
    request: ConfirmationRequest,
    eml: bytes,
    answer: str,
    reason: str,
    actor: Actor,
    filename: str = "",
) -> RecordedReply:
    """The desk records a supervisor's reply received by mail; the .eml is kept as evidence on the
    application either way.

    Only a mail whose one sender is the directory address — the one the request went to, still the
    supervisor's in the directory — answers the request. Any other (another address, a display name
    made to look like the directory address, several senders) is kept as an ``UnlistedSenderReply``
    that confirms nothing and denies nothing: the request stays open and the application as it was.

    Raises UploadRefused (not a readable mail), ValidationFailed (answer, reason), InvalidTransition
    (the request is no longer open or the application no longer awaits); nothing is changed then.
    """
    answer, reason = _answer_checked(answer, reason, reason_label=_("返信の内容（理由）"))
    mail = reply_mail_read(content=eml)
    application = _locked(request.application_id)
    request = (
        ConfirmationRequest.objects.select_for_update(of=("self",))
        .select_related("supervisor")
        .get(pk=request.pk)
    )
    if not request.is_open or application.status != Status.AWAITING_CONFIRMATION:
        raise InvalidTransition(
            _("この確認依頼は回答済みか再送により無効です。または申込が確認待ちではありません。"),
            current=application.status,
            target=Status.CONFIRMED,
        )
    now = clock.now()
    evidence = evidence_store(
        content=eml,
        original_name=filename or f"reply-{request.pk}.eml",
        content_type=EML_CONTENT_TYPE,
        kind=EvidenceKind.SUPERVISOR_REPLY,
        subject=application,
        actor=actor,
        received_at=now,
        note=f"confirmation_request:{request.pk}",
    )
    if not mail.counts_for(sent_to=request.sent_to, directory_address=request.supervisor.email):
        unlisted = _unlisted_save(
            request=request,
            application=application,
            mail=mail,
            evidence=evidence,
            answer=answer,
            reason=reason,
            actor=actor,
            now=now,
        )
        _staff_notice(
            kind=StaffNoticeKind.REPLY_MAIL_RECORDED, request=request, application=application, now=now
        )
        return RecordedReply(request=request, unlisted=unlisted)
    request.reply_evidence = evidence
    request.reply_from = mail.from_address[:254]
    answered = _answer_save(
        request=request,
        application=application,
        answer=answer,
        reason=reason,
        channel=ReplyChannel.MAIL,
        actor=actor,
        now=now,
        extra={"evidence_id": evidence.pk, "from": mail.from_address, "message_id": mail.message_id},
    )
    _staff_notice(kind=StaffNoticeKind.REPLY_MAIL_RECORDED, request=request, application=application, now=now)
    return RecordedReply(request=answered)


def _unlisted_save(
    *,
    request: ConfirmationRequest,
    application: Application,
    mail: ReplyMail,
    evidence: Evidence,
    answer: str,
    reason: str,
    actor: Actor,
    now: datetime,
) -> UnlistedSenderReply:
    unlisted = UnlistedSenderReply.objects.create(
        request=request,
        evidence=evidence,
        sender=mail.from_header,
        stated_answer=answer,
        reason=reason,
        message_id=mail.message_id,
    )
    audit_record(
        actor=actor,
        action="confirmation.reply_not_counted",
        subject=application,
        at=now,
        summary=gettext_noop(
            "監督員 %(name)s 宛ての確認依頼に、名簿のアドレス以外の差出人から返信メールが届きました。"
            "証跡として保存し、回答には数えません。"
        ),
        summary_params={"name": request.supervisor.name},
        data={
            "request_id": request.pk,
            "unlisted_reply_id": unlisted.pk,
            "evidence_id": evidence.pk,
            "from": mail.from_header,
            "directory_address": request.supervisor.email,
            "stated_answer": answer,
            "reason": reason,
            "message_id": mail.message_id,
        },
    )
    return unlisted


def _answer_save(
    *,
    request: ConfirmationRequest,
    application: Application,
    answer: str,
    reason: str,
    channel: str,
    actor: Actor,
    now: datetime,
    extra: dict | None = None,
) -> ConfirmationRequest:
    request.answered_at = now
    request.answer = answer
    request.answer_channel = channel
    request.reason = reason
    request.save(
        update_fields=[
            "answered_at",
            "answer",
            "answer_channel",
            "reason",
            "reply_evidence",
            "reply_from",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="confirmation.answered",
        subject=application,
        at=now,
        summary=ANSWER_SUMMARIES[(channel, answer)],
        summary_params={"name": request.supervisor.name},
        data={
            "request_id": request.pk,
            "answer": answer,
            "channel": channel,
            "reason": reason,
            **(extra or {}),
        },
    )
    confirmation_decide(application=application, actor=actor, now=now)
    return request


@transaction.atomic
def call_record(
    *,
    application: Application,
    supervisor: Supervisor,
    outcome: str,
    note: str,
    actor: Actor,
    called_at: datetime | None = None,
) -> PhoneCall:
    """Record the desk's call to a directory supervisor of the application, at the number the
    directory holds now (never a number typed by the operator). Several calls may be recorded; no
    answer or a wrong person keeps the application waiting.

    Raises ValidationFailed (not one of the application's directory supervisors, unknown outcome,
    a denial without a note, a time in the future or before the application's submission) or
    InvalidTransition (the application does not await confirmation); nothing is changed then.
    """
    if actor.user is None:
        raise ValueError("a call is recorded by a staff user")
    application = _locked(application.pk)
    if application.status != Status.AWAITING_CONFIRMATION:
        raise InvalidTransition(
            _("確認待ちの申込ではないため、電話確認を記録できません（先に確認メールを送ってください）。"),
            current=application.status,
            target=Status.CONFIRMED,
        )
    now = clock.now()
    called_at = called_at or now
    note = note.strip()
    listed = directory_supervisors(application=application).filter(pk=supervisor.pk).first()
    errors = _call_errors(
        listed=listed, outcome=outcome, note=note, called_at=called_at, now=now, application=application
    )
    if errors:
        raise ValidationFailed(errors=errors)
    assert listed is not None
    call = PhoneCall.objects.create(
        application=application,
        supervisor=listed,
        phone_number=listed.phone,
        called_at=called_at,
        called_by=actor.user,
        outcome=outcome,
        note=note,
    )
    audit_record(
        actor=actor,
        action="confirmation.call_recorded",
        subject=application,
        at=now,
        summary=CALL_SUMMARIES[outcome],
        summary_params={"name": listed.name},
        data={
            "call_id": call.pk,
            "supervisor_id": listed.pk,
            "phone_number": call.phone_number,
            "called_at": called_at.isoformat(),
            "outcome": outcome,
            "note": note,
        },
    )
    confirmation_decide(application=application, actor=actor, now=now)
    return call


def _call_errors(
    *,
    listed: Supervisor | None,
    outcome: str,
    note: str,
    called_at: datetime,
    now: datetime,
    application: Application,
) -> list[FieldError]:
    errors = []
    if listed is None:
        errors.append(
            FieldError(
                field="supervisor",
                label=_("監督員"),
                message=_("この申込の名簿の監督員から選んでください。"),
            )
        )
    if outcome not in CallOutcome.values:
        errors.append(FieldError(field="outcome", label=_("結果"), message=_("通話の結果を選んでください。")))
    if outcome == CallOutcome.DENIED and not note:
        errors.append(
            FieldError(
                field="note", label=_("メモ"), message=_("否認された場合は、先方の話をメモに残してください。")
            )
        )
    if len(note) > REASON_MAX_CHARS:
        errors.append(
            FieldError(
                field="note",
                label=_("メモ"),
                message=_("%(max)s文字以内で入力してください。") % {"max": REASON_MAX_CHARS},
            )
        )
    if called_at > now + CALL_CLOCK_TOLERANCE:
        errors.append(
            FieldError(field="called_at", label=_("通話日時"), message=_("未来の日時は記録できません。"))
        )
    elif called_at < application.submitted_at:
        errors.append(
            FieldError(
                field="called_at", label=_("通話日時"), message=_("申込の受付より前の通話は記録できません。")
            )
        )
    return errors
