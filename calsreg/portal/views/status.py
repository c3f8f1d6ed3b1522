"""The receipt page (only for the session that submitted) and the status lookup."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from calsreg.applications.models import Application
from calsreg.applications.selectors import application_for_status
from calsreg.core.width import to_half_width
from calsreg.portal.progress import NOW_HAPPENING, SIDE_STATES, applicant_progress
from calsreg.portal.receipts import receipt_email


@require_GET
def receipt(request: HttpRequest, receipt_number: str) -> HttpResponse:
    email = receipt_email(request.session, receipt_number)
    application = application_for_status(receipt_number=receipt_number, email=email) if email else None
    if application is None:
        raise Http404
    return render(request, "portal/receipt.html", {"application": application})


@require_http_methods(["GET", "POST"])
def status_lookup(request: HttpRequest) -> HttpResponse:
    # POST only: the e-mail address must not appear in URLs, browser history or access logs.
    context: dict[str, Any] = {"values": {"receipt_number": "", "email": ""}, "errors": {}}
    if request.method == "POST":
        # Full-width input (Ａ２０２６－００００１) is common when copying from a Japanese document.
        values = {key: to_half_width(request.POST.get(key, "")) for key in ("receipt_number", "email")}
        context["values"] = values
        context["errors"] = _lookup_errors(values)
        if not context["errors"]:
            application = application_for_status(**values)
            if application is None:
                context["not_found"] = True
            else:
                context |= _status_context(application)
    return render(request, "portal/status.html", context)


def _lookup_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not values["receipt_number"]:
        errors["receipt_number"] = _("「受付番号」を入力してください。")
    if not values["email"]:
        errors["email"] = _("「メールアドレス」を入力してください。")
    return errors


def _status_context(application: Application) -> dict[str, Any]:
    return {
        "application": application,
        "steps": applicant_progress(application.status),
        "now_happening": NOW_HAPPENING.get(application.status, ""),
        "side_state": application.status in SIDE_STATES,
    }
