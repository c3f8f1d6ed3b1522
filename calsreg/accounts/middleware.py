"""Ends the session of an account holder whose account stopped being usable (e.g. suspended)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from calsreg.accounts.access import account_login_refusal

PORTAL_LOGIN = "portal:login"


def session_refusal(*, user: object) -> str | None:
    """Why this request's signed-in account holder must be signed out now; None to carry on.

    Anonymous users and staff are left alone (the desk has its own access rules).
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_account_holder", False):
        return None
    return account_login_refusal(user=user)  # type: ignore[arg-type]


def portal_login_path() -> str:
    # Resolved per use, not at import: the portal's URLs may load after this module.
    try:
        return reverse(PORTAL_LOGIN)
    except NoReverseMatch:
        return "/"


class AccountStillUsableMiddleware:
    """After ``AuthenticationMiddleware`` and ``MessageMiddleware``: log out, say why, go to login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = session_refusal(user=getattr(request, "user", None))
        if refusal is None:
            return self.get_response(request)
        logout(request)
        messages.error(request, refusal, fail_silently=True)
        target = portal_login_path()
        if request.headers.get("HX-Request") == "true":
            # An htmx request would swap the login page into a fragment; make the browser navigate.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
