"""The help desk's actions on one application (seed steps 3–5), for automation: send the confirmation
request, record a reply received by mail, record a call, return, reject, register, start use — and
the overview that says which of them is possible now.

Each handler parses its input, calls one service and returns its result; the services hold every
rule (directory-only targets, both channels positive before registration, row locks, idempotency) and
their refusals become the JSON error body (``calsreg.api.errors``). Staff token only (help desk or
administrator). Notices go out in the request's language (``Accept-Language``: ja or en; default ja).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from calsreg.accounts.selectors import project_for_application
from calsreg.accounts.services import project_register
from calsreg.api.auth import DeskStaffToken
from calsreg.api.schemas.desk_actions_in import (
    CallRecordIn,
    ConfirmationSendIn,
    RegisterIn,
    RejectIn,
    ReplyRecordIn,
    ReturnIn,
    StartUseIn,
)
from calsreg.api.schemas.desk_actions_out import (
    ApplicationStateOut,
    CallRecordedOut,
    ConfirmationOverviewOut,
    ConfirmationSentOut,
    ProjectOut,
    ReplyRecordedOut,
)
from calsreg.api.schemas.errors import ErrorOut
from calsreg.applications.models import Application
from calsreg.applications.services import application_reject, application_return
from calsreg.applications.states import Status as ApplicationStatus
from calsreg.billing.services import project_start_use_billed
from calsreg.core.errors import FieldError, InvalidTransition, NotFound, UploadRefused, ValidationFailed
from calsreg.core.uploads import upload_too_large
from calsreg.directory.models import Supervisor
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.selectors import confirmation_overview
from calsreg.verification.services import call_record, confirmation_reply_record, confirmation_request_send

router = Router(tags=["内容確認・登録（ヘルプデスク）"], auth=DeskStaffToken())

APPLICATION = "/applications/{receipt_number}"
_REFUSALS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_CHANGE_REFUSALS = {**_REFUSALS, 409: ErrorOut, 422: ErrorOut}


def _application(receipt_number: str) -> Application:
    application = (
        Application.objects.select_related("office")
        .filter(receipt_number=receipt_number.strip().upper())
        .first()
    )
    if application is None:
        raise NotFound(_("その受付番号の申込はありません。"))
    return application


def _actor(request: HttpRequest) -> Actor:
    return Actor.api(request.auth)  # type: ignore[attr-defined]


def _language() -> str:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _current(application: Application) -> Application:
    application.refresh_from_db(fields=["status", "impersonation_suspected", "decision_reason"])
    return application


@router.get(
    f"{APPLICATION}/confirmation",
    response={200: ConfirmationOverviewOut, **_REFUSALS},
    operation_id="confirmation_overview_get",
    summary="内容確認の状況（名簿の監督員・確認依頼・電話記録・いまできる操作）",
)
def confirmation_overview_get(request: HttpRequest, receipt_number: str):
    """デスクの確認パネルと同じ内容です。open_request_ids は再送の expected_open_ids に使います。"""
    return confirmation_overview(application_id=_application(receipt_number).pk)


@router.post(
    f"{APPLICATION}/confirmation-requests",
    response={201: ConfirmationSentOut, **_CHANGE_REFUSALS},
    operation_id="confirmation_request_send",
    summary="発注者（名簿の監督員）へ内容確認メールを送る・再送する",
)
def confirmation_request_create(request: HttpRequest, receipt_number: str, payload: ConfirmationSendIn):
    """宛先は申込の名簿の監督員だけで、本文に送信先を書く項目はありません（書くと 422、何も送りません）。
    確認待ちの申込では再送になり、前回のリンクは無効になります。expected_open_ids が
    いまの回答待ちの依頼と食い違えば 409 で、何も送りません。"""
    application = _application(receipt_number)
    created = confirmation_request_send(
        application=application,
        actor=_actor(request),
        language=_language(),
        expected_open_ids=payload.expected_open_ids,
    )
    return Status(201, {"application": _current(application), "requests": created})


@router.post(
    f"{APPLICATION}/confirmation-requests/{{request_id}}/reply",
    response={200: ReplyRecordedOut, **_CHANGE_REFUSALS},
    operation_id="confirmation_reply_record",
    summary="監督員からの返信メール（.eml）を記録する",
)
def confirmation_reply_create(
    request: HttpRequest,
    receipt_number: str,
    request_id: int,
    file: File[UploadedFile],
    form: Form[ReplyRecordIn],
):
    """メールソフトで保存した返信メール（.eml）を file で、回答を answer・reason で送ります
    （multipart/form-data）。メールはいつも証跡として保存します。差出人が名簿のアドレス1つだけの
    ときに限り回答として数え（counted: true）、電話でも確認済みなら申込は確認済みに、否認なら却下に
    なります。それ以外の差出人（別のアドレス、表示名だけ名簿のアドレス、差出人が複数）の返信は
    確認にも否認にも数えず（counted: false、warning に注意）、確認依頼は回答待ちのままです。"""
    _only_known_form_keys(request, fields=set(ReplyRecordIn.model_fields), files={"file"})
    application = _application(receipt_number)
    confirmation = ConfirmationRequest.objects.filter(pk=request_id, application=application).first()
    if confirmation is None:
        raise NotFound(_("確認依頼が見つかりません。"))
    if upload_too_large(file.size):
        # Refused before reading it into memory; the reply reader's own wording.
        raise UploadRefused(
            _("メールのファイルが大きすぎます（%(size)s。上限は%(limit)sです）。")
            % {"size": filesizeformat(file.size or 0), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    recorded = confirmation_reply_record(
        request=confirmation,
        eml=file.read(),
        filename=file.name or "",
        answer=form.answer.value,
        reason=form.reason,
        actor=_actor(request),
    )
    return {
        "application": _current(application),
        "request": recorded.request,
        "counted": recorded.counted,
        "warning": recorded.unlisted.warning if recorded.unlisted else "",
        "unlisted_reply": recorded.unlisted,
    }


def _only_known_form_keys(request: HttpRequest, *, fields: set[str], files: set[str]) -> None:
    """A multipart form's unknown keys are refused like a JSON body's (ninja's form parsing would
    drop them silently): a crafted ``from`` or ``sent_to`` must not look accepted."""
    unknown = sorted((set(request.POST) - fields) | (set(request.FILES) - files))
    if unknown:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field=key,
                    label="",
                    message=_("「%(name)s」という項目は受け付けていません。項目名を確認してください。")
                    % {"name": key},
                )
                for key in unknown
            ]
        )


@router.post(
    f"{APPLICATION}/calls",
    response={201: CallRecordedOut, **_CHANGE_REFUSALS},
    operation_id="call_record",
    summary="監督員への電話確認を記録する",
)
def call_create(request: HttpRequest, receipt_number: str, payload: CallRecordIn):
    """相手は申込の名簿の監督員から ID で選びます。電話番号は名簿のものを記録し、指定はできません。
    応答なし・別人のときは確認待ちのまま、何度でも記録できます。"""
    application = _application(receipt_number)
    supervisor = Supervisor.objects.filter(pk=payload.supervisor_id).first()
    if supervisor is None:
        raise ValidationFailed(errors=[_supervisor_error()])
    called_at = payload.called_at
    if called_at is not None and timezone.is_naive(called_at):
        called_at = timezone.make_aware(called_at)
    try:
        call = call_record(
            application=application,
            supervisor=supervisor,
            outcome=payload.outcome.value,
            note=payload.note,
            called_at=called_at,
            actor=_actor(request),
        )
    except ValidationFailed as invalid:
        # The service names the field as the desk's form does; the API's field is supervisor_id.
        raise ValidationFailed(errors=[_api_field(error) for error in invalid.errors]) from invalid
    return Status(201, {"application": _current(application), "call": call})


def _supervisor_error() -> FieldError:
    return FieldError(
        field="supervisor_id",
        label=_("監督員"),
        message=_("この申込の名簿の監督員から選んでください。"),
    )


def _api_field(error: FieldError) -> FieldError:
    return _supervisor_error() if error.field == "supervisor" else error


@router.post(
    f"{APPLICATION}/return",
    response={200: ApplicationStateOut, **_CHANGE_REFUSALS},
    operation_id="application_return",
    summary="申込を差し戻す（訂正依頼）",
)
def application_return_create(request: HttpRequest, receipt_number: str, payload: ReturnIn):
    """理由を書いた訂正依頼メール（1回限りの訂正用リンク付き）を申込者に送ります。"""
    return application_return(
        application=_application(receipt_number),
        reason=payload.reason,
        actor=_actor(request),
        language=_language(),
    )


@router.post(
    f"{APPLICATION}/reject",
    response={200: ApplicationStateOut, **_CHANGE_REFUSALS},
    operation_id="application_reject",
    summary="申込を却下する",
)
def application_reject_create(request: HttpRequest, receipt_number: str, payload: RejectIn):
    """申込者には理由を書かない通知を送ります（理由は記録にだけ残ります）。"""
    return application_reject(
        application=_application(receipt_number),
        reason=payload.reason,
        actor=_actor(request),
        language=_language(),
    )


@router.post(
    f"{APPLICATION}/register",
    response={200: ProjectOut, **_CHANGE_REFUSALS},
    operation_id="project_register",
    summary="確認済みの申込を登録する（工事・アカウントの作成、ID通知とパスワード通知）",
)
def project_register_create(request: HttpRequest, receipt_number: str, payload: RegisterIn):
    """監督員の確認と電話確認の両方が済んだ申込だけ登録できます（それ以外は 409）。
    新しいアカウントの本人に、IDとパスワードを別々のメールで送ります。登録済みの申込で再び
    呼ぶと、同じ工事をそのまま返し、何も作らず何も送りません。本文は {}。パスワードは返しません。"""
    return project_register(
        application=_application(receipt_number), actor=_actor(request), language=_language()
    )


@router.post(
    f"{APPLICATION}/start-use",
    response={200: ProjectOut, **_CHANGE_REFUSALS},
    operation_id="project_start_use",
    summary="利用を開始する（または利用開始日を予約する）",
)
def project_start_use_create(request: HttpRequest, receipt_number: str, payload: StartUseIn):
    """利用者・申込者・監督員に利用開始のお知らせを送り、アカウントをその時から使えるようにします。
    starts_on が後の日なら、その日に開始するよう予約します。開始済みの工事で再び呼ぶと、
    同じ工事をそのまま返し、何も送りません。利用開始と同時に請求書の下書きを作ります
    （請求の設定がない場合も利用開始は行い、下書きは毎日の処理で設定後に作られます）。"""
    application = _application(receipt_number)
    project = project_for_application(application=application)
    if project is None:
        raise InvalidTransition(
            _("まだ登録されていない申込は利用開始できません。先に登録してください。"),
            current=application.status,
            target=ApplicationStatus.IN_SERVICE,
        )
    started = project_start_use_billed(
        project=project, actor=_actor(request), starts_on=payload.starts_on, language=_language()
    )
    return started.project
