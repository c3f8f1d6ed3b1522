"""The applicant's correction of a returned application, through the link in the returned-application mail.

The page is the web application form (the same template and the same validation as a new
application), pre-filled with what the desk returned, with the desk's reason above it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from calsreg.applications.models import Application
from calsreg.applications.schema import FIELDS, USER_FIELDS
from calsreg.applications.selectors import application_for_status
from calsreg.applications.services import (
    application_check_payload,
    application_resubmit_payload,
    correction_link_check,
)
from calsreg.core.errors import DomainError, FieldError, NotFound, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.core.ratelimit import Scope
from calsreg.directory.models import Supervisor
from calsreg.directory.selectors import supervisors_named
from calsreg.portal.receipts import receipt_email, receipt_remember
from calsreg.portal.throttle import public_form_limited
from calsreg.portal.views.apply import (
    ADD_USER_ACTION,
    EDIT_ACTION,
    REFRESH_ACTION,
    REVIEW_ACTION,
    form_context,
    review_render,
)
from calsreg.portal.views.storage import storage_refused
from calsreg.portal.webform import SUPERVISORS_KEY, raw_from_post, user_row_count


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.CORRECT)
def correct_form(request: HttpRequest, token: str) -> HttpResponse:
    try:
        application = correction_link_check(token=token)
    except NotFound as refusal:
        return _link_refused(request, refusal)
    if request.method == "GET":
        raw = raw_from_application(application)
        return _render_form(request, application, token=token, raw=raw, row_count=user_row_count({}, raw))
    raw = raw_from_post(request.POST)
    action = request.POST.get("action", "")
    if action in {ADD_USER_ACTION, REFRESH_ACTION, EDIT_ACTION}:
        add = 1 if action == ADD_USER_ACTION else 0
        row_count = user_row_count(request.POST, raw, add=add)
        return _render_form(request, application, token=token, raw=raw, row_count=row_count)
    if action == REVIEW_ACTION:
        return _review(request, application, token=token, raw=raw)
    try:
        corrected = application_resubmit_payload(
            token=token, raw=raw, language=translation.get_language() or "ja"
        )
    except ValidationFailed as failure:
        row_count = user_row_count(request.POST, raw)
        return _render_form(
            request, application, token=token, raw=raw, row_count=row_count, errors=failure.errors
        )
    except StorageFailed:
        return storage_refused(request)
    except DomainError as refusal:  # used, expired or withdrawn meanwhile
        return _link_refused(request, refusal)
    receipt_remember(request.session, corrected)
    return redirect("portal:correct_receipt", receipt_number=corrected.receipt_number)


def _review(
    request: HttpRequest, application: Application, *, token: str, raw: dict[str, Any]
) -> HttpResponse:
    """The corrected form as it will be sent (nothing stored, the link still unused), or its errors."""
    row_count = user_row_count(request.POST, raw)
    try:
        data = application_check_payload(raw=raw)
    except ValidationFailed as failure:
        return _render_form(
            request, application, token=token, raw=raw, row_count=row_count, errors=failure.errors
        )
    action = reverse("portal:correct", args=[token])
    return review_render(request, raw=raw, data=data, row_count=row_count, form_action=action)


@require_GET
def correct_receipt(request: HttpRequest, receipt_number: str) -> HttpResponse:
    # Only the browser session that sent the correction may see this page (as for a new receipt).
    email = receipt_email(request.session, receipt_number)
    application = application_for_status(receipt_number=receipt_number, email=email) if email else None
    if application is None:
        raise Http404
    return render(request, "portal/correct/receipt.html", {"application": application})


def raw_from_application(application: Application) -> dict[str, Any]:
    """The application's current content as the web form's raw payload (what a browser would post)."""
    raw: dict[str, Any] = {spec.key: _as_input(getattr(application, spec.key, "")) for spec in FIELDS}
    raw["office"] = application.office.code
    raw["users"] = [
        {"position": user.position} | {spec.key: _as_input(getattr(user, spec.key)) for spec in USER_FIELDS}
        for user in application.users.all()
    ]
    raw[SUPERVISORS_KEY] = [str(supervisor.pk) for supervisor in _supervisors_chosen(application)]
    # Consent to these terms was given and recorded when the application was first sent.
    raw["terms_accepted"] = True
    return raw


def _supervisors_chosen(application: Application) -> list[Supervisor]:
    """The supervisors the desk matched; before any match (a workbook names them in free text), the
    office's directory entries named in the workbook, so the applicant is not asked to choose again."""
    matched = list(application.supervisors.all())
    if matched:
        return matched
    names = [str(entry.get("name", "")) for entry in application.stated_supervisors or []]
    return supervisors_named(office=application.office, names=names)


def _as_input(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()  # <input type="date"> takes YYYY-MM-DD
    return str(value)


def _render_form(
    request: HttpRequest,
    application: Application,
    *,
    token: str,
    raw: dict[str, Any],
    row_count: int,
    errors: list[FieldError] | None = None,
) -> HttpResponse:
    context = form_context(raw=raw, row_count=row_count, errors=errors)
    context |= {"application": application, "token": token}
    return render(request, "portal/correct/form.html", context, status=422 if errors else 200)


def _link_refused(request: HttpRequest, refusal: DomainError) -> HttpResponse:
    return render(
        request,
        "portal/correct/link_refused.html",
        {"message": refusal.message, "help_desk_email": settings.HELP_DESK_EMAIL},
        status=404,
    )
