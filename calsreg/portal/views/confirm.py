"""The supervisor's confirmation page (seed step 3): the summary and two choices, confirm or deny.

The page is reached only through the link in the mail; GET changes nothing (mail scanners that
open links must not answer for the supervisor), POST answers once.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from calsreg.core.errors import ValidationFailed
from calsreg.core.ratelimit import Scope
from calsreg.portal.throttle import public_form_limited
from calsreg.verification.errors import ConfirmationLinkRefused
from calsreg.verification.models import Answer, ConfirmationRequest
from calsreg.verification.selectors import confirmation_link_check
from calsreg.verification.services import confirmation_answer_by_link


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the URL: never send it to another site as a referrer, never let a search engine
    # keep it. ("no-referrer" would make browsers post the form with "Origin: null", which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _form(request: HttpRequest, confirmation: ConfirmationRequest, **extra: object) -> HttpResponse:
    context = {
        "confirmation": confirmation,
        "application": confirmation.application,
        "answers": Answer,
        "values": {"answer": "", "reason": ""},
        "errors": {},
        "help_desk_email": settings.HELP_DESK_EMAIL,
        **extra,
    }
    return render(request, "portal/confirm/form.html", context, status=422 if context["errors"] else 200)


def _refused(request: HttpRequest, refusal: ConfirmationLinkRefused) -> HttpResponse:
    return render(
        request,
        "portal/confirm/refused.html",
        {"refusal": refusal, "help_desk_email": settings.HELP_DESK_EMAIL},
        status=refusal.http_status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.CONFIRM)
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        confirmation = confirmation_link_check(token=token)
    except ConfirmationLinkRefused as refusal:
        return _private(_refused(request, refusal))
    if request.method != "POST":
        return _private(_form(request, confirmation))
    values = {"answer": request.POST.get("answer", ""), "reason": request.POST.get("reason", "")}
    try:
        answered = confirmation_answer_by_link(token=token, answer=values["answer"], reason=values["reason"])
    except ConfirmationLinkRefused as refusal:
        return _private(_refused(request, refusal))
    except ValidationFailed as invalid:
        errors = {error.field: error.message for error in invalid.errors}
        return _private(_form(request, confirmation, values=values, errors=errors))
    return _private(
        render(
            request,
            "portal/confirm/thanks.html",
            {"confirmation": answered, "help_desk_email": settings.HELP_DESK_EMAIL},
        )
    )
