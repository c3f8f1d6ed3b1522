"""Operator intake: a workbook or a mail that reached the desk outside the portal."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from calsreg.applications.services import application_submit_at_desk
from calsreg.core.errors import UploadRefused, ValidationFailed
from calsreg.desk.applications.forms import IntakeForm
from calsreg.desk.permissions import desk_staff_required
from calsreg.records.services import Actor


@desk_staff_required
def intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, request.FILES or None)
    refusal: str = ""
    field_errors: list = []
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit_at_desk(
                content=form.content(), filename=form.filename(), actor=Actor.staff(request.user)
            )
        except ValidationFailed as failed:
            field_errors = failed.errors
        except UploadRefused as unreadable:
            refusal = unreadable.message
        else:
            messages.success(
                request,
                _("受付番号 %(receipt)s で受け付けました。申込者へ受付メールを送信します。")
                % {"receipt": application.receipt_number},
            )
            return redirect("desk:application_detail", pk=application.pk)
    return render(
        request,
        "desk/intake.html",
        {
            "form": form,
            "refusal": refusal,
            "field_errors": field_errors,
            "filename": form.filename() if form.is_valid() else "",
        },
        status=422 if request.method == "POST" else 200,
    )
