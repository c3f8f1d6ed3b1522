"""The dashboard: where the desk's work stands, how long it takes, and (for billing staff) what is owed.

Open to the help desk, the billing agent and administrators; each sees the panels of their role
(``dashboard.panels``). Its number of queries does not depend on the amount of data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from calsreg.core import clock
from calsreg.core.business_hours import desk_lunch
from calsreg.desk.dashboard.panels import billing_panel, work_panels


def desk_or_billing_staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Anonymous → the desk login page; account holders (and inactive staff) → 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (getattr(user, "is_desk_staff", False) or getattr(user, "is_billing_staff", False)):
            return render(request, "desk/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@desk_or_billing_staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = clock.now()
    today = clock.today()
    context = {
        "work": work_panels(today=today, now=now) if getattr(user, "is_desk_staff", False) else None,
        "billing": billing_panel(today=today) if getattr(user, "is_billing_staff", False) else None,
        "now": now,
        "desk_hours": (settings.DESK_HOURS_START, settings.DESK_HOURS_END, *desk_lunch()),
    }
    return render(request, "desk/dashboard/dashboard.html", context)
