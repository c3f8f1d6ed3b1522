"""The Excel change form: downloaded from my page for one's own project, uploaded on my page or on the
portal with the receipt or project number."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from calsreg.accounts.services import account_actor
from calsreg.changes.excel import ChangeWorkbook, change_workbook_build, change_workbook_read
from calsreg.changes.models import ChangeChannel
from calsreg.changes.selectors import (
    project_by_reference,
)
from calsreg.changes.services import ChangeForm, change_request_submit
from calsreg.core.errors import DomainError, FieldError, UploadRefused, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.core.ratelimit import Scope
from calsreg.core.uploads import XLSX_CONTENT_TYPE, upload_too_large
from calsreg.core.width import to_half_width
from calsreg.portal.change import forms
from calsreg.portal.change.views.common import (
    UPLOAD_FIELD,
    account_of,
    anonymous_actor,
    filing_project,
    language,
    receipt_remember,
    reference_problem,
)
from calsreg.portal.downloads import attachment_response
from calsreg.portal.throttle import public_form_limited
from calsreg.portal.views.mypage import account_holder_required
from calsreg.portal.views.storage import storage_refused

# --- my page: the Excel change form ---------------------------------------------------------------


@require_GET
@account_holder_required()
def workbook_download(request: HttpRequest, project_id: int) -> HttpResponse:
    project = filing_project(request, project_id)
    content = change_workbook_build(project=project, requester=account_of(request))
    return attachment_response(
        content=content,
        filename=f"CALS変更申込書_{project.project_number}.xlsx",
        fallback=f"cals-change-form-{project.pk}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


@require_http_methods(["GET", "POST"])
@account_holder_required()
def mypage_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    project = filing_project(request, project_id)
    context: dict[str, Any] = {"project": project, "max_size": settings.UPLOAD_MAX_BYTES}
    if request.method == "GET":
        return render(request, "portal/change/upload.html", context)
    user = account_of(request)
    try:
        workbook, form = _uploaded(request)
        if workbook.project_id != project.pk:
            raise UploadRefused(
                _(
                    "この変更申込書は別の工事（工事番号 %(number)s）のものです。"
                    "この工事の変更申込書をダウンロードして記入し、送ってください。"
                )
                % {"number": workbook.project_number}
            )
        change = change_request_submit(
            project=project,
            raw=workbook.raw,
            channel=ChangeChannel.WORKBOOK,
            actor=account_actor(user=user),
            filed_by=user,
            form=form,
            language=language(),
        )
    except ValidationFailed as failure:
        context |= {"problems": _workbook_problems(failure.errors, workbook), "filename": form.filename}
    except StorageFailed:
        return storage_refused(request)
    except DomainError as refusal:
        context["refusal"] = refusal.message
    else:
        receipt_remember(request.session, change, "")
        return redirect("portal:change_receipt", number=change.number)
    return render(request, "portal/change/upload.html", context, status=422)


def _uploaded(request: HttpRequest) -> tuple[ChangeWorkbook, ChangeForm]:
    """The uploaded change workbook, read; raises UploadRefused."""
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        raise UploadRefused(_("アップロードする変更申込書（Excelファイル）を選んでください。"))
    filename = upload.name or "change.xlsx"
    if upload_too_large(upload.size):
        raise UploadRefused(
            _("ファイルが大きすぎます（上限 %(max)s）。") % {"max": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    content = upload.read()
    workbook = change_workbook_read(content=content, filename=filename)
    return workbook, ChangeForm(content=content, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _workbook_problems(errors: list[FieldError], workbook: ChangeWorkbook) -> list[FieldError]:
    """Item errors named by the workbook cell they came from (``ChangeWorkbook.origins``)."""
    named = []
    for error in errors:
        index = forms.item_index(error.field)
        label = workbook.origins[index - 1] if 0 < index <= len(workbook.origins) else error.label
        named.append(FieldError(field=error.field, label=label, message=error.message))
    return named


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.CHANGE_REQUEST)
def portal_upload(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"max_size": settings.UPLOAD_MAX_BYTES, "portal": True}
    if request.method == "GET":
        return render(request, "portal/change/upload.html", context)
    reference = to_half_width(request.POST.get("reference", "")).strip()
    context["reference"] = reference
    problem = reference_problem(reference)
    if problem is not None:
        context["reference_errors"] = [problem]
        return render(request, "portal/change/upload.html", context, status=422)
    project = project_by_reference(reference=reference)
    try:
        workbook, form = _uploaded(request)
        if project is None or workbook.project_id != project.pk:
            context["not_found"] = True
            return render(request, "portal/change/upload.html", context, status=422)
        change = change_request_submit(
            project=project,
            raw=workbook.raw,
            channel=ChangeChannel.WORKBOOK,
            actor=anonymous_actor(workbook.raw),
            form=form,
            language=language(),
            registration_hidden=True,  # nothing in an error may confirm a guess about the registration
        )
    except ValidationFailed as failure:
        context |= {"problems": _workbook_problems(failure.errors, workbook), "filename": form.filename}
    except StorageFailed:
        return storage_refused(request)
    except UploadRefused as refusal:
        context["refusal"] = refusal.message
    except DomainError:
        context["not_found"] = True
    else:
        receipt_remember(request.session, change, reference)
        return redirect("portal:change_receipt", number=change.number)
    return render(request, "portal/change/upload.html", context, status=422)
