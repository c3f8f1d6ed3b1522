"""One application: everything the desk needs to process it, the supervisor match, evidence files."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calsreg.applications.models import Application
from calsreg.applications.selectors import application_detail as application_detail_get
from calsreg.applications.services import application_match_supervisors, application_viewed
from calsreg.core import clock
from calsreg.core.errors import NotFound, ValidationFailed
from calsreg.desk.accounts.selectors import application_accounts
from calsreg.desk.applications import presenters
from calsreg.desk.applications.evidence import application_evidence, evidence_download, evidence_read
from calsreg.desk.applications.forms import SupervisorMatchForm
from calsreg.desk.dashboard.timers import application_step_timers
from calsreg.desk.evidence import evidence_served
from calsreg.desk.permissions import desk_staff_required
from calsreg.desk.projects.selectors import application_project_state
from calsreg.directory.selectors import supervisors_of_office
from calsreg.notifications.selectors import deliveries_for
from calsreg.records.selectors import audit_timeline, evidence_for
from calsreg.records.services import Actor, evidence_verify


def _application_or_404(pk: int) -> Application:
    try:
        return application_detail_get(pk=pk)
    except Application.DoesNotExist as missing:
        raise Http404(_("申込が見つかりません。")) from missing


@desk_staff_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    # Recorded before the timeline is read, so the operator sees their own view listed.
    application_viewed(application=application, actor=Actor.staff(request.user))
    users = list(application.users.all())
    project_pk, project_status = application_project_state(application=application)
    return render(
        request,
        "desk/application_detail.html",
        {
            "application": application,
            "sections": presenters.application_sections(application),
            "user_columns": presenters.user_columns(),
            "user_rows": presenters.user_rows(users),
            "accounts": application_accounts(application=application),
            "supervisors": list(application.supervisors.all()),
            "stated_supervisors": presenters.stated_supervisors(application),
            "candidates": list(supervisors_of_office(office=application.office)),
            "matched_ids": {supervisor.pk for supervisor in application.supervisors.all()},
            "evidence": [evidence_verify(evidence=item) for item in evidence_for(subject=application)],
            "timeline": list(audit_timeline(subject=application)),
            "deliveries": list(deliveries_for(subject=application)),
            "step_timers": application_step_timers(application, now=clock.now()),
            "project_pk": project_pk,
            "project_status": project_status,
        },
    )


@require_POST
@desk_staff_required
def application_match(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application_or_404(pk)
    form = SupervisorMatchForm(
        request.POST, office_supervisors=supervisors_of_office(office=application.office)
    )
    if not form.is_valid():
        for message in form.errors.get("supervisors", []):
            messages.error(request, str(message))
        return redirect(f"{application_url(application)}#supervisors")
    try:
        application_match_supervisors(
            application=application,
            supervisor_ids=[supervisor.pk for supervisor in form.cleaned_data["supervisors"]],
            actor=Actor.staff(request.user),
        )
    except ValidationFailed as refusal:
        for field_error in refusal.errors:
            messages.error(request, field_error.message)
    else:
        messages.success(request, _("監督員を名簿と照合しました。確認の連絡先は名簿の連絡先です。"))
    return redirect(f"{application_url(application)}#supervisors")


def application_url(application: Application) -> str:
    return reverse("desk:application_detail", args=[application.pk])


@desk_staff_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Serve an evidence file as stored; a file that no longer verifies is shown as a warning first."""
    try:
        evidence, application = application_evidence(evidence_id=pk)
    except NotFound as missing:
        raise Http404(missing.message) from missing
    copy = evidence_read(evidence=evidence)
    detail_url = reverse("desk:application_detail", args=[application.pk])
    return evidence_served(
        request,
        evidence=evidence,
        copy=copy,
        record=lambda: evidence_download(copy=copy, application=application, actor=Actor.staff(request.user)),
        warning={
            "crumbs": [(reverse("desk:queue"), _("申込一覧")), (detail_url, application.receipt_number)],
            "back_url": detail_url,
            "back_label": _("申込内容に戻る"),
            "download_url": reverse("desk:evidence", args=[evidence.pk]),
        },
    )
