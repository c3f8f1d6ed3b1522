"""The action panel of an application: confirmation by mail and phone, decisions, registration and
start of use. Each POST view parses its form, calls one service and redirects back to the
application with a message; a refusal (DomainError) is shown as the message instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from calsreg.accounts.models import Project
from calsreg.accounts.services import project_register, project_register_preview, project_start_use_preview
from calsreg.applications.models import Application
from calsreg.applications.services import application_reject, application_return
from calsreg.billing.services import StartOfUse, project_start_use_billed
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.permissions import desk_staff_required
from calsreg.desk.previews import preview_then_act
from calsreg.desk.verification.forms import (
    CallRecordForm,
    ConfirmationSendForm,
    ReasonForm,
    RejectForm,
    ReplyRecordForm,
    StartUseForm,
)
from calsreg.desk.verification.presenters import verification_panel as panel_build
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.selectors import confirmations_needing_attention, directory_supervisors
from calsreg.verification.services import call_record, confirmation_reply_record, confirmation_request_send


def _application(pk: int) -> Application:
    application = Application.objects.select_related("office").filter(pk=pk).first()
    if application is None:
        raise Http404(_("申込が見つかりません。"))
    return application


def _back(application: Application) -> HttpResponse:
    return redirect(reverse("desk:application_detail", args=[application.pk]) + "#verification")


def _run(
    request: HttpRequest,
    application: Application,
    action: Callable[[], Any],
    success: str | Callable[[Any], str],
) -> HttpResponse:
    run_service(request, action, success)
    return _back(application)


@require_GET
@desk_staff_required
def verification_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The panel: loaded into the application's page by htmx, or as a page of its own without
    JavaScript. Its query count does not grow with the number of requests or calls."""
    try:
        panel = panel_build(application_id=pk)
    except Application.DoesNotExist as missing:
        raise Http404(_("申込が見つかりません。")) from missing
    fragment = request.headers.get("HX-Request") == "true"
    template = "desk/verification/panel_body.html" if fragment else "desk/verification/panel_page.html"
    return render(request, template, {"panel": panel, "application": panel.application})


@require_POST
@desk_staff_required
def confirmation_send(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    # Only the language and the open requests seen are read: an address in the POST is ignored.
    form = ConfirmationSendForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(application)
    return _run(
        request,
        application,
        lambda: confirmation_request_send(
            application=application,
            actor=Actor.staff(request.user),
            language=form.cleaned_data["language"],
            expected_open_ids=form.cleaned_data["open_ids"],
        ),
        _("発注者の監督員（名簿のアドレス）へ内容確認メールを送信しました。電話でも確認してください。"),
    )


@require_POST
@desk_staff_required
def reply_record(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    application = _application(pk)
    confirmation = ConfirmationRequest.objects.filter(pk=request_pk, application=application).first()
    if confirmation is None:
        raise Http404(_("確認依頼が見つかりません。"))
    form = ReplyRecordForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(application)
    upload = form.cleaned_data["eml"]
    recorded = run_service(
        request,
        lambda: confirmation_reply_record(
            request=confirmation,
            eml=upload.read(),
            filename=upload.name,
            answer=form.cleaned_data["answer"],
            reason=form.cleaned_data["reason"],
            actor=Actor.staff(request.user),
        ),
        lambda done: (
            _("返信メールを記録しました。")
            if done.counted
            else _("返信メールを証跡として保存しました（回答には数えていません）。")
        ),
    )
    if recorded is not None and recorded.unlisted is not None:
        messages.warning(request, recorded.unlisted.warning)
    return _back(application)


@require_POST
@desk_staff_required
def call_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    form = CallRecordForm(request.POST, supervisors=directory_supervisors(application=application))
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(application)
    return _run(
        request,
        application,
        lambda: call_record(
            application=application,
            supervisor=form.cleaned_data["supervisor"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            called_at=form.cleaned_data["called_at"],
            actor=Actor.staff(request.user),
        ),
        _("電話確認を記録しました。"),
    )


@require_POST
@desk_staff_required
def return_for_correction(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision_with_reason(
        request,
        pk,
        ReasonForm,
        application_return,
        _("申込を差し戻しました。申込者に訂正用リンクをメールで送ります。"),
    )


@require_POST
@desk_staff_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision_with_reason(
        request,
        pk,
        RejectForm,
        application_reject,
        _("申込を却下しました。申込者には理由を書かない通知を送ります。"),
    )


def _decision_with_reason(
    request: HttpRequest,
    pk: int,
    form_class: type[forms.Form],
    service: Callable[..., Application],
    success: str,
) -> HttpResponse:
    """Return for correction or reject: a reason from the form, one service, back to the application."""
    application = _application(pk)
    form = form_class(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(application)
    return _run(
        request,
        application,
        lambda: service(
            application=application, reason=form.cleaned_data["reason"], actor=Actor.staff(request.user)
        ),
        success,
    )


@require_POST
@desk_staff_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """Registration shows the accounts (IDs 予定) and mails first; the confirmed POST registers."""
    application = _application(pk)

    response, _project = preview_then_act(
        request,
        preview=lambda: project_register_preview(application=application),
        act=lambda token: project_register(
            application=application, actor=Actor.staff(request.user), preview=token
        ),
        template="desk/verification/register_preview.html",
        context={"application": application},
        back=lambda: _back(application),
        success=_("システムに登録しました。各利用者にIDとパスワードを別々のメールで送ります。"),
    )
    return response


@require_POST
@desk_staff_required
def start_use(request: HttpRequest, pk: int) -> HttpResponse:
    """Start of use shows who is told (and which accounts become usable) first."""
    application = _application(pk)
    project = Project.objects.filter(application=application).first()
    if project is None:
        raise Http404(_("登録された工事が見つかりません。"))
    form = StartUseForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(application)
    starts_on = form.cleaned_data["starts_on"]

    outcome = preview_then_act(
        request,
        preview=lambda: project_start_use_preview(project=project, starts_on=starts_on),
        act=lambda token: project_start_use_billed(
            project=project, actor=Actor.staff(request.user), starts_on=starts_on, preview=token
        ),
        template="desk/verification/start_use_preview.html",
        context={"application": application, "form_data": form.cleaned_data},
        back=lambda: _back(application),
        success=_started_message,
    )
    response, started = outcome
    if started is not None and started.billing_warning:
        # The start of use stands; the daily draft job catches up once billing is configured.
        messages.warning(
            request,
            _("請求書の下書きを作成できませんでした（%(reason)s）。設定後に自動で作成されます。")
            % {"reason": started.billing_warning},
        )
    return response


def _started_message(done: StartOfUse) -> str:
    if done.project.started_at:
        return _("利用を開始しました。関係者に利用開始のお知らせを送ります。")
    return _("利用開始日を予約しました。当日に利用開始のお知らせを送ります。")


@require_GET
@desk_staff_required
def confirmations_attention(request: HttpRequest) -> HttpResponseBase:
    """Open requests past their due day, replies from another sender, recent denials."""
    return render(request, "desk/verification/attention.html", {"rows": confirmations_needing_attention()})
