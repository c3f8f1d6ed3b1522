"""Who may open the desk's pages.

Role separation (security invariant 6): the application queue and everything holding applicants'
personal data is for the help desk and administrators only. A billing agent is staff and may sign in
at the desk, but gets 403 here; account holders (contractors, supervisors) are refused as well.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from calsreg.accounts.models import Role


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/forbidden.html", status=403)


def desk_staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous → the desk login page; signed in without a help-desk role → 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(user, "is_desk_staff", False):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped


def billing_agent_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Billing screens: the billing agent and administrators; anonymous → login, others (help desk
    included: it has no business with receivables) → 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(user, "is_billing_staff", False):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped


def is_desk_admin(user: Any) -> bool:
    """An administrator of the desk: the administrator role, or a superuser who works the desk."""
    if not getattr(user, "is_desk_staff", False):
        return False
    return user.role == Role.ADMINISTRATOR or bool(user.is_superuser)


def desk_admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """What hands out or replaces a relying party's credentials: administrators only (the help desk
    sees the parties and re-sends deliveries, but does not make secrets)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_desk_admin(user):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped


def staff_member_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages every staff role has (its own staff notices): help desk, billing agent, administrators;
    anonymous → login, account holders → 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(user, "is_staff_member", False):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return wrapped
