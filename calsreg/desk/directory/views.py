"""The orderer directory: browse it, export it as CSV, import a CSV after a dry-run preview.

Preview then confirm: the previewed file is kept in the server-side session (the session lives in
the database; the browser holds only the session cookie), and the confirm form names it by its
SHA-256. So the import is of exactly the bytes the operator previewed, no second upload can slip a
different file in, and the import re-validates everything anyway (all or nothing) in case the
directory changed in between.
"""

from __future__ import annotations

import base64
import hashlib

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calsreg.desk.directory.forms import DirectoryConfirmForm, DirectoryImportForm
from calsreg.desk.permissions import desk_staff_required
from calsreg.directory.selectors import offices_active
from calsreg.directory.services import directory_export_csv, directory_import_csv
from calsreg.records.services import Actor

SESSION_KEY = "desk.directory_import"
OFFICES_PER_PAGE = 12


@desk_staff_required
def directory(request: HttpRequest) -> HttpResponse:
    offices = offices_active().prefetch_related("supervisors")
    page = Paginator(offices, OFFICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "desk/directory.html", {"page": page, "form": DirectoryImportForm()})


@desk_staff_required
def directory_export(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    response = HttpResponse(directory_export_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="directory-{today:%Y%m%d}.csv"'
    return response


@require_POST
@desk_staff_required
def directory_import_preview(request: HttpRequest) -> HttpResponse:
    form = DirectoryImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "desk/directory_preview.html", {"form": form, "report": None}, status=422)
    content = form.content()
    report = directory_import_csv(content=content, actor=Actor.staff(request.user), dry_run=True)
    digest = hashlib.sha256(content).hexdigest()
    if report.ok:
        request.session[SESSION_KEY] = {
            "digest": digest,
            "filename": form.filename(),
            "content": base64.b64encode(content).decode("ascii"),
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return render(
        request,
        "desk/directory_preview.html",
        {"form": DirectoryImportForm(), "report": report, "digest": digest, "filename": form.filename()},
        status=200 if report.ok else 422,
    )


@require_POST
@desk_staff_required
def directory_import_confirm(request: HttpRequest) -> HttpResponse:
    form = DirectoryConfirmForm(request.POST)
    kept = request.session.get(SESSION_KEY) or {}
    if not form.is_valid() or kept.get("digest") != form.cleaned_data["digest"]:
        messages.error(
            request, _("確認した名簿ファイルが見つかりません。もう一度ファイルを選んで確認してください。")
        )
        return redirect("desk:directory")
    report = directory_import_csv(
        content=base64.b64decode(kept["content"]), actor=Actor.staff(request.user), dry_run=False
    )
    del request.session[SESSION_KEY]
    if not report.saved:
        return render(
            request,
            "desk/directory_preview.html",
            {"form": DirectoryImportForm(), "report": report, "filename": kept.get("filename", "")},
            status=422,
        )
    for line in report.lines():
        messages.success(request, line)
    return redirect("desk:directory")
