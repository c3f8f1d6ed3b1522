"""Suspending a project by hand and reinstating it: a confirmation page (GET) saying what will happen
and to whom, then the one service (POST). Help desk and administrators only: a hand suspension is an
operational instruction (e.g. from the supervisor); the billing agent's levers on suspension are the
payment rule's own (a payment, a deferral), and the agent does not see the project's people.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from calsreg.accounts.models import Membership, Project, ProjectStatus
from calsreg.accounts.services import (
    SuspensionCause,
    hand_reinstatement_applies,
    hand_suspension_applies,
    project_reinstate_by_hand,
    project_suspend_by_hand,
    suspension_causes,
)
from calsreg.desk.feedback import form_errors_as_messages, run_service
from calsreg.desk.permissions import desk_staff_required
from calsreg.desk.project_actions.forms import ProjectActionReasonForm
from calsreg.records.services import Actor

SUSPEND = "suspend"
REINSTATE = "reinstate"


def project_actions_for(project: Project) -> list[tuple[str, str]]:
    """(URL name, button title) of the hand actions that apply to ``project`` now, for the include."""
    actions = []
    if hand_suspension_applies(project):
        actions.append(("desk:project_suspend", _("手動で利用停止する")))
    if hand_reinstatement_applies(project):
        actions.append(("desk:project_reinstate", _("手動の利用停止を解除する")))
    return actions


@desk_staff_required
def project_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk=pk, action=SUSPEND)


@desk_staff_required
def project_reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    return _confirm(request, pk=pk, action=REINSTATE)


def _confirm(request: HttpRequest, *, pk: int, action: str) -> HttpResponse:
    project = Project.objects.select_related("application").filter(pk=pk).first()
    if project is None:
        raise Http404(_("工事が見つかりません。"))
    form = ProjectActionReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            form_errors_as_messages(request, form)
        elif _run(request, project=project, action=action, reason=form.cleaned_data["reason"]):
            return redirect("desk:project_detail", pk=project.pk)
    causes = suspension_causes(project)
    applies = hand_suspension_applies(project) if action == SUSPEND else hand_reinstatement_applies(project)
    return render(
        request,
        "desk/project_actions/confirm.html",
        {
            "project": project,
            "action": action,
            "form": form,
            "applies": applies,
            "payment_holds": SuspensionCause.PAYMENT in causes,
            "members": Membership.objects.filter(project=project, active=True).count(),
        },
    )


def _run(request: HttpRequest, *, project: Project, action: str, reason: str) -> bool:
    actor = Actor.staff(request.user)
    if action == SUSPEND:
        done = run_service(
            request,
            lambda: project_suspend_by_hand(project=project, actor=actor, reason=reason),
            _("工事の利用を手動で停止しました。"),
        )
    else:
        done = run_service(
            request,
            lambda: project_reinstate_by_hand(project=project, actor=actor, reason=reason),
            lambda p: (
                _("手動の利用停止を解除しました。")
                + ("" if p.status == ProjectStatus.ACTIVE else _("未入金による利用停止が続いています。"))
            ),
        )
    return done is not None
