"""The portal's information pages and downloads."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from calsreg.applications.excel.template import workbook_build
from calsreg.core import clock
from calsreg.core.uploads import XLSX_CONTENT_TYPE
from calsreg.directory.selectors import offices_active
from calsreg.portal.downloads import attachment_response
from calsreg.portal.models import NoticeKind
from calsreg.portal.selectors import notices_current
from calsreg.portal.terms import ARTICLES, TERMS_TITLE
from calsreg.portal.terms_pdf import terms_pdf_build

WORKBOOK_FILENAME = "CALS利用申込書.xlsx"
TERMS_PDF_FILENAME = "CALS利用規約.pdf"


@require_GET
def top(request: HttpRequest) -> HttpResponse:
    notices = list(notices_current(now=clock.now()))
    return render(
        request,
        "portal/top.html",
        {
            "maintenance": [n for n in notices if n.kind == NoticeKind.MAINTENANCE],
            "news": [n for n in notices if n.kind == NoticeKind.NEWS],
            "help_desk_email": settings.HELP_DESK_EMAIL,
        },
    )


@require_GET
def how_to_apply(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/how_to_apply.html", {"help_desk_email": settings.HELP_DESK_EMAIL})


@require_GET
def downloads(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/downloads.html",
        {"terms_version": settings.TERMS_VERSION, "help_desk_email": settings.HELP_DESK_EMAIL},
    )


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/terms.html",
        {"title": TERMS_TITLE, "articles": ARTICLES, "terms_version": settings.TERMS_VERSION},
    )


@require_GET
def terms_pdf(request: HttpRequest) -> HttpResponse:
    return attachment_response(
        content=terms_pdf_build(),
        filename=TERMS_PDF_FILENAME,
        fallback="cals-terms.pdf",
        content_type="application/pdf",
    )


@require_GET
def workbook_download(request: HttpRequest) -> HttpResponse:
    # Built on each request so the office list inside is always the directory's current one.
    content = workbook_build(office_names=[office.name for office in offices_active()])
    return attachment_response(
        content=content,
        filename=WORKBOOK_FILENAME,
        fallback="cals-application-form.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
