"""The public API's limit: the same hourly allowance per client address as the portal's anonymous forms.

Submitting, looking up a status and the supervisor's confirm/deny are open to anyone who has a number
or a link, so a script could try them by the thousand. Each POST from one address counts against
``settings.PUBLIC_FORM_POSTS_PER_HOUR`` (read at request time) over a sliding hour; past it the
endpoint answers 429 with ``Retry-After`` (``api/errors.py``). GETs are not counted. Staff calls with
a token are never limited here (they are not anonymous).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle

HOUR_SECONDS = 3600


class PublicPostThrottle(AnonRateThrottle):
    scope = "public_post"

    def __init__(self) -> None:
        super().__init__(rate=f"{settings.PUBLIC_FORM_POSTS_PER_HOUR}/h")

    def allow_request(self, request: HttpRequest) -> bool:
        if request.method != "POST":
            return True
        self.num_requests, self.duration = settings.PUBLIC_FORM_POSTS_PER_HOUR, HOUR_SECONDS
        return super().allow_request(request)
