"""A limit on how often one client may use the portal's anonymous forms.

The status lookup and withdrawal answer anyone who knows a receipt number and an e-mail address; the
application form, the uploads, the change request without sign-in and "forgot password" file things and
send mail. Without a limit, a script could try numbers and addresses by the thousand, fill the queue, or
flood someone's mailbox. Each POST counts against ``settings.PUBLIC_FORM_POSTS_PER_HOUR`` for its
*scope* (forms that answer the same question share one: the status page and withdrawal, the web form and
the upload) per client address — the API's counterpart counts in the same scopes
(``api/throttle.py``), so switching channel buys nothing. Past it the form answers 429 with
``Retry-After`` and a page saying when to try again; the view does not run, so nothing is looked up,
filed or mailed. GET requests are not counted. The address and the counter: ``core/ratelimit.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calsreg.core.ratelimit import Scope, rate_limit_hit

View = Callable[..., HttpResponse]


def public_form_limited(scope: Scope) -> Callable[[View], View]:
    """Refuse a POST to a form of ``scope`` from a client past its hourly allowance (HTTP 429)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = rate_limit_hit(
                    scope=scope, request=request, allowance=settings.PUBLIC_FORM_POSTS_PER_HOUR
                )
                if wait:
                    return _refused(request, wait)
            return view(request, *args, **kwargs)

        return limited

    return decorator


def _refused(request: HttpRequest, wait: int) -> HttpResponse:
    response = render(request, "portal/throttled.html", {"minutes": math.ceil(wait / 60)}, status=429)
    response["Retry-After"] = str(wait)
    return response
