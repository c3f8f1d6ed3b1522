"""The web application form: shown, re-shown with every value and error kept, and submitted."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from calsreg.applications.models import Channel
from calsreg.applications.schema import MAX_USERS
from calsreg.applications.services import application_check_payload, application_submit_payload
from calsreg.applications.validation import ApplicationData
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.core.ratelimit import Scope
from calsreg.directory.selectors import office_by_code_or_name, offices_active, supervisors_of_office
from calsreg.portal.receipts import receipt_remember
from calsreg.portal.summary import summary_of_data
from calsreg.portal.throttle import public_form_limited
from calsreg.portal.views.storage import storage_refused
from calsreg.portal.webform import (
    INITIAL_USER_ROWS,
    form_view,
    hidden_inputs,
    raw_from_post,
    user_row,
    user_row_count,
)

# Buttons of the form that only re-show it (they make it work without JavaScript).
ADD_USER_ACTION = "add_user"
REFRESH_ACTION = "refresh"
# The form's button shows the confirmation page; its "back" re-shows the form; its "send" submits.
REVIEW_ACTION = "review"
EDIT_ACTION = "edit"


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.APPLY)
def apply_form(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_form(request, raw={}, row_count=INITIAL_USER_ROWS)
    raw = raw_from_post(request.POST)
    action = request.POST.get("action", "")
    if action in {ADD_USER_ACTION, REFRESH_ACTION, EDIT_ACTION}:
        add = 1 if action == ADD_USER_ACTION else 0
        return _render_form(request, raw=raw, row_count=user_row_count(request.POST, raw, add=add))
    if action == REVIEW_ACTION:
        return _review(request, raw=raw)
    try:
        application = application_submit_payload(
            raw=raw, channel=Channel.WEB, language=translation.get_language() or "ja"
        )
    except ValidationFailed as failure:
        return _render_form(
            request, raw=raw, row_count=user_row_count(request.POST, raw), errors=failure.errors
        )
    except StorageFailed:
        return storage_refused(request)
    receipt_remember(request.session, application)
    return redirect("portal:receipt", receipt_number=application.receipt_number)


def _review(request: HttpRequest, *, raw: dict[str, Any]) -> HttpResponse:
    """The confirmation page: what will be sent, nothing stored yet; or the form with every error."""
    row_count = user_row_count(request.POST, raw)
    try:
        data = application_check_payload(raw=raw)
    except ValidationFailed as failure:
        return _render_form(request, raw=raw, row_count=row_count, errors=failure.errors)
    return review_render(
        request, raw=raw, data=data, row_count=row_count, form_action=reverse("portal:apply")
    )


def review_render(
    request: HttpRequest, *, raw: dict[str, Any], data: ApplicationData, row_count: int, form_action: str
) -> HttpResponse:
    """The confirmation page of a checked form, posting back to ``form_action`` (also the correction's)."""
    context = {
        "summary": summary_of_data(data),
        "notices": data.notices,
        "hidden_inputs": hidden_inputs(raw, row_count=row_count),
        "form_action": form_action,
    }
    return render(request, "portal/apply/review.html", context)


def form_reshown(request: HttpRequest) -> HttpResponse:
    """The form re-shown with what was POSTed, unsent (the CSRF failure page of views/errors.py)."""
    raw = raw_from_post(request.POST)
    return _render_form(request, raw=raw, row_count=user_row_count(request.POST, raw))


def _render_form(
    request: HttpRequest, *, raw: dict[str, Any], row_count: int, errors: list[FieldError] | None = None
) -> HttpResponse:
    context = form_context(raw=raw, row_count=row_count, errors=errors)
    return render(request, "portal/apply/form.html", context, status=422 if errors else 200)


def form_context(
    *, raw: dict[str, Any], row_count: int, errors: list[FieldError] | None = None
) -> dict[str, Any]:
    """What ``portal/apply/_form.html`` needs; also used by the correction form (views/correct.py)."""
    offices = list(offices_active())
    office = office_by_code_or_name(str(raw.get("office") or "")) if raw.get("office") else None
    form = form_view(
        raw=raw,
        errors=errors or [],
        office_choices=[(o.code, o.name) for o in offices],
        row_count=row_count,
    )
    return {
        "form": form,
        "office": office,
        "supervisors": list(supervisors_of_office(office=office)) if office else [],
        "max_users": MAX_USERS,
    }


@require_GET
def supervisor_choices(request: HttpRequest) -> HttpResponse:
    """htmx partial: the chosen office's supervisors as checkboxes (name and title only)."""
    value = request.GET.get("office", "")
    office = office_by_code_or_name(value) if value else None
    return render(
        request,
        "portal/apply/_supervisors.html",
        {
            "office": office,
            "supervisors": list(supervisors_of_office(office=office)) if office else [],
            "checked_ids": set(),
        },
    )


@require_GET
def user_row_add(request: HttpRequest) -> HttpResponse:
    """htmx partial: one more user row, and the row counter and button brought up to date."""
    try:
        shown = int(request.GET.get("user_rows") or INITIAL_USER_ROWS)
    except ValueError:
        shown = INITIAL_USER_ROWS
    if shown >= MAX_USERS:
        return HttpResponse(status=204)  # htmx swaps nothing: the table is already full
    position = max(shown, 0) + 1
    return render(
        request,
        "portal/apply/_user_row_added.html",
        {
            "position": position,
            "cells": user_row(position, {}, {}),
            "can_add_user": position < MAX_USERS,
            "max_users": MAX_USERS,
        },
    )
