"""Prometheus metrics: the request counters of this process, and gauges read from the database at
scrape time by the collectors listed in ``METRICS_COLLECTORS`` (dotted paths: the apps above this
layer provide them).

Several server processes (gunicorn's workers) each count their own requests: with the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` set to an empty folder before the server starts, every process
writes its counts there and a scrape adds them up (prometheus_client's multiprocess mode). Without it
a scrape sees only the process that answered it — fine for one process.

``/metrics`` answers this machine and ``CALSREG_METRICS_ALLOWED_NETS``, or a scraper with
``Authorization: Bearer <CALSREG_METRICS_TOKEN>``; anybody else gets 404, as if it did not exist.
"""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from calsreg.core.netaccess import address_allowed

METRICS_COLLECTORS: tuple[str, ...] = ("calsreg.jobs.metrics.DatabaseCollector",)

# Counted in a registry of our own (not prometheus_client's global one, which also holds the process's
# own metrics — meaningless summed across processes).
_REQUEST_REGISTRY = CollectorRegistry(auto_describe=True)
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS = Counter(
    "calsreg_http_requests",
    "HTTP requests answered, by method, route (URL name) and status class.",
    ["method", "route", "status"],
    registry=_REQUEST_REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "calsreg_http_request_duration_seconds",
    "Time to answer an HTTP request, by route (URL name).",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=_REQUEST_REGISTRY,
)


def request_observe(*, method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request. The labels come from a fixed set (known methods, our URL names,
    five status classes), so no client can make the series grow without bound."""
    method = method if method in _KNOWN_METHODS else "other"
    REQUESTS.labels(method=method, route=route, status=f"{status // 100}xx").inc()
    REQUEST_SECONDS.labels(route=route).observe(seconds)


def scrape_registry() -> CollectorRegistry:
    """A registry for one scrape: the request counts (every process's in multiprocess mode) and the
    database collectors, which run their queries once, now."""
    registry = CollectorRegistry(auto_describe=True)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_REQUEST_REGISTRY)  # type: ignore[arg-type]
    for path in METRICS_COLLECTORS:
        registry.register(import_string(path)())
    return registry


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
    return address_allowed(
        request, networks=settings.METRICS_ALLOWED_NETS, setting_name="CALSREG_METRICS_ALLOWED_NETS"
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        raise Http404
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
