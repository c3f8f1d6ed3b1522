"""The page a submission gets when its files could not be stored (a full disk): it says plainly
that nothing arrived, so the applicant sends again later instead of waiting for a receipt."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def storage_refused(request: HttpRequest) -> HttpResponse:
    """503: nothing was saved (the service rolled back and removed its files); try again later."""
    context = {"help_desk_email": settings.HELP_DESK_EMAIL}
    return render(request, "portal/storage_refused.html", context, status=503)
