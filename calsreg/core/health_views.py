"""The health endpoints: ``/health/live`` (the process serves) and ``/health/ready`` (it can work).

Neither needs a session, a language or a CSRF token: they are plain GETs answered before anything
else matters. Readiness details (which check, counts, latency) are for the operator's own machines
only (``core.netaccess``); anybody else gets the status code and ``{"status": …}``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from calsreg.core.health import readiness_run, results_payload
from calsreg.core.netaccess import address_allowed


@never_cache
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """200 "ok" while the process answers; touches no database (a database outage is readiness')."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """200 when every readiness check passes, 503 when any fails."""
    payload = results_payload(readiness_run())
    status = 200 if payload["status"] == "ok" else 503
    if not address_allowed(
        request, networks=settings.HEALTH_ALLOWED_NETS, setting_name="CALSREG_HEALTH_ALLOWED_NETS"
    ):
        payload = {"status": payload["status"]}
    return JsonResponse(payload, status=status)
