"""A limit on how often one address may use the portal's anonymous forms.

The status lookup and the change request without sign-in answer anyone who knows a receipt or
project number; without a limit, a script could try numbers and addresses by the thousand, or file
change requests until the applicant's mailbox fills with acknowledgments. Each POST from one client
address counts against ``settings.PUBLIC_FORM_POSTS_PER_HOUR`` for that form, in a fixed one-hour
window; past it the form answers 429 with a page saying when to try again, and nothing is looked up
or filed. GET requests are not counted.

The counters live in Django's cache: the default per-process memory cache in the demo; with several
web processes, configure a shared cache (``CALSREG_CACHE_BACKEND`` / ``_LOCATION``) so they share one
count. The client
address is ``REMOTE_ADDR``: behind a reverse proxy, have it pass the client's address (e.g. a
``RemoteAddr``-style module), or every visitor shares the proxy's allowance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

WINDOW_SECONDS = 3600


def public_form_limited(scope: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse a POST to the form ``scope`` from an address past its hourly allowance (HTTP 429)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = _over_limit(scope=scope, address=request.META.get("REMOTE_ADDR", ""))
                if wait:
                    response = render(
                        request, "portal/throttled.html", {"minutes": math.ceil(wait / 60)}, status=429
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return limited

    return decorator


def _over_limit(*, scope: str, address: str) -> int:
    """Count this POST; return the seconds until the window ends if it is over the allowance, else 0."""
    window = int(time.time()) // WINDOW_SECONDS
    key = f"public-form:{scope}:{address}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS)
            count = 1
    if count <= settings.PUBLIC_FORM_POSTS_PER_HOUR:
        return 0
    return (window + 1) * WINDOW_SECONDS - int(time.time())
