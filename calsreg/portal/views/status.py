"""The receipt page (only for the session that submitted), the status lookup, and withdrawal from it."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from calsreg.applications.models import Application
from calsreg.applications.selectors import application_for_status
from calsreg.applications.services import application_withdraw
from calsreg.applications.states import TRANSITIONS, Status
from calsreg.core.errors import DomainError
from calsreg.core.ratelimit import Scope
from calsreg.core.text import text_refusal
from calsreg.core.width import to_half_width
from calsreg.portal.application_pdf import application_pdf_build
from calsreg.portal.progress import NOW_HAPPENING, SIDE_STATES, applicant_progress
from calsreg.portal.receipts import receipt_email
from calsreg.portal.throttle import public_form_limited
from calsreg.records.services import Actor


@require_GET
def receipt(request: HttpRequest, receipt_number: str) -> HttpResponse:
    email = receipt_email(request.session, receipt_number)
    application = application_for_status(receipt_number=receipt_number, email=email) if email else None
    if application is None:
        raise Http404
    return render(request, "portal/receipt.html", {"application": application})


@require_GET
def receipt_pdf(request: HttpRequest, receipt_number: str) -> HttpResponse:
    """The copy of what was sent, as a PDF: for the browser session that sent it, like the receipt."""
    email = receipt_email(request.session, receipt_number)
    application = application_for_status(receipt_number=receipt_number, email=email) if email else None
    if application is None:
        raise Http404
    response = HttpResponse(application_pdf_build(application), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{application.receipt_number}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.STATUS)
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
    return render(request, "portal/status.html", context, status=422 if context["errors"] else 200)


def _lookup_errors(values: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not values["receipt_number"]:
        errors["receipt_number"] = _("「受付番号」を入力してください。")
    if not values["email"]:
        errors["email"] = _("「メールアドレス」を入力してください。")
    for key, label in (("receipt_number", _("受付番号")), ("email", _("メールアドレス"))):
        refusal = text_refusal(values[key], label=label)
        if refusal is not None:
            errors[key] = refusal
    return errors


def _status_context(application: Application) -> dict[str, Any]:
    return {
        "application": application,
        "steps": applicant_progress(application.status),
        "now_happening": NOW_HAPPENING.get(application.status, ""),
        "side_state": application.status in SIDE_STATES,
        "can_withdraw": _withdrawable(application),
    }


def _withdrawable(application: Application) -> bool:
    # The transition table decides, so the button and the service never disagree.
    return Status.WITHDRAWN in TRANSITIONS.get(application.status, frozenset())


# The session remembers the receipt number just withdrawn, so reloading the result page is harmless.
SESSION_WITHDRAWN = "portal_withdrawn"


@require_POST
@public_form_limited(Scope.STATUS)  # the same receipt + e-mail question as the lookup
def withdraw(request: HttpRequest) -> HttpResponse:
    """Ask to confirm, then withdraw. Both steps find the application again by receipt number and
    e-mail (as the status lookup does): no hidden application id is ever trusted."""
    values = {key: to_half_width(request.POST.get(key, "")) for key in ("receipt_number", "email")}
    application = application_for_status(**values) if not _lookup_errors(values) else None
    if application is None:
        return render(
            request, "portal/status_withdraw.html", {"values": values, "not_found": True}, status=404
        )
    context: dict[str, Any] = {"values": values, "application": application}
    if not _withdrawable(application):
        return render(request, "portal/status_withdraw.html", context | {"refused": True}, status=409)
    if request.POST.get("confirm") != "yes":
        return render(request, "portal/status_withdraw.html", context)
    try:
        application_withdraw(
            application=application,
            actor=Actor.applicant(values["email"]),
            language=translation.get_language() or "ja",
        )
    except DomainError:  # withdrawn, registered or rejected in the meantime
        application.refresh_from_db()
        return render(request, "portal/status_withdraw.html", context | {"refused": True}, status=409)
    request.session[SESSION_WITHDRAWN] = application.receipt_number
    return redirect("portal:withdrawn")


@require_GET
def withdrawn(request: HttpRequest) -> HttpResponse:
    receipt_number = request.session.get(SESSION_WITHDRAWN)
    if not receipt_number:
        return redirect("portal:status")
    return render(request, "portal/status_withdrawn.html", {"receipt_number": receipt_number})
