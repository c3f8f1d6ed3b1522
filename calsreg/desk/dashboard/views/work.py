"""My work: the open cases I am in charge of with their step timers; taking and assigning applications.

Change requests are taken and assigned through the change screens' own view (``desk:change_assign``).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from calsreg.applications.models import Application
from calsreg.applications.services import application_assign
from calsreg.core import clock
from calsreg.desk.dashboard.forms import AssignForm
from calsreg.desk.dashboard.work import (
    MY_WORK_LIMIT,
    UNASSIGNED_LIMIT,
    my_work,
    unassigned_counts,
    unassigned_work,
)
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.permissions import desk_staff_required
from calsreg.records.services import Actor


@desk_staff_required
def work(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/work.html",
        {
            "work": my_work(operator=request.user, now=clock.now()),  # type: ignore[arg-type]
            "unassigned": unassigned_counts(),
            "showing_unassigned": False,
            "limit": MY_WORK_LIMIT,
        },
    )


@desk_staff_required
def work_unassigned(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "desk/work.html",
        {
            "work": unassigned_work(now=clock.now()),
            "unassigned": unassigned_counts(),
            "showing_unassigned": True,
            "limit": UNASSIGNED_LIMIT,
        },
    )


def _next_url(request: HttpRequest, fallback: str) -> str:
    """Where to go after assigning: the page the form was on, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _assigned_message(operator: Any) -> str:
    if operator is None:
        return _("担当者の割り当てを外しました。")
    return _("担当者を%(operator)sにしました。") % {"operator": operator}


def _application(pk: int) -> Application:
    try:
        return Application.objects.select_related("assigned_to").get(pk=pk)
    except Application.DoesNotExist as missing:
        raise Http404(_("申込が見つかりません。")) from missing


@desk_staff_required
def application_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: choose an operator; POST (``operator`` = a user's id, or empty to unassign)."""
    application = _application(pk)
    detail = reverse("desk:application_detail", args=[application.pk])
    if request.method != "POST":
        form = AssignForm(
            initial={"operator": application.assigned_to_id, "next": _next_url(request, detail)}
        )
        return render(
            request,
            "desk/dashboard/assign.html",
            {"form": form, "subject": application, "number": application.receipt_number, "back": detail},
        )
    form = AssignForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(_next_url(request, detail))
    operator = form.cleaned_data["operator"]
    run_service(
        request,
        lambda: application_assign(
            application=application, operator=operator, actor=Actor.staff(request.user)
        ),
        _assigned_message(operator),
    )
    return redirect(_next_url(request, detail))
