"""Upload of a filled application workbook."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from calsreg.applications.models import Channel
from calsreg.applications.services import application_submit_workbook
from calsreg.core.errors import UploadRefused, ValidationFailed
from calsreg.core.files import StorageFailed
from calsreg.core.ratelimit import Scope
from calsreg.core.uploads import upload_too_large
from calsreg.portal.receipts import receipt_remember
from calsreg.portal.throttle import public_form_limited
from calsreg.portal.views.storage import storage_refused

UPLOAD_FIELD = "workbook"


@require_http_methods(["GET", "POST"])
@public_form_limited(Scope.APPLY)
def apply_upload(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"max_size": settings.UPLOAD_MAX_BYTES}
    if request.method == "GET":
        return render(request, "portal/apply/upload.html", context)
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        context["refusal"] = _("アップロードする申込書（Excelファイル）を選んでください。")
    elif upload_too_large(upload.size):
        context["refusal"] = _("ファイルが大きすぎます（上限 %(max)s）。") % {
            "max": filesizeformat(settings.UPLOAD_MAX_BYTES)
        }
    else:
        try:
            application = application_submit_workbook(
                content=upload.read(),
                filename=upload.name or "application.xlsx",
                channel=Channel.WORKBOOK,
                language=translation.get_language() or "ja",
            )
        except StorageFailed:
            return storage_refused(request)
        except UploadRefused as refusal:
            context["refusal"] = refusal.message
        except ValidationFailed as failure:
            context["problems"] = failure.errors
            context["filename"] = upload.name
        else:
            receipt_remember(request.session, application)
            return redirect("portal:receipt", receipt_number=application.receipt_number)
    # A refusal is a 422, as the API and the desk answer it; the page still shows what to fix.
    return render(request, "portal/apply/upload.html", context, status=422)
