"""The public API's limit: the portal's mechanism and allowance, per client address and scope.

Submitting, looking up a status and the supervisor's confirm/deny are open to anyone who has a number
or a link, so a script could try them by the thousand. Each POST counts against
``settings.PUBLIC_FORM_POSTS_PER_HOUR`` (read at request time) in its scope — the same count as the
portal page doing the same thing (``portal/throttle.py``, ``core/ratelimit.py``); past it the endpoint
answers 429 with ``Retry-After`` in the API's error shape (``api/errors.py``) before the body is read.
GETs are not counted. Staff calls with a token are never limited here (they are not anonymous).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from calsreg.core.ratelimit import Scope, rate_limit_hit


class PublicPostThrottle(BaseThrottle):
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        # One instance serves every request of its operations: the wait is kept per thread.
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        wait = 0
        if request.method == "POST":
            wait = rate_limit_hit(
                scope=self.scope, request=request, allowance=settings.PUBLIC_FORM_POSTS_PER_HOUR
            )
        self._last.wait = wait
        return not wait

    def wait(self) -> float | None:
        return float(getattr(self._last, "wait", 0)) or None
