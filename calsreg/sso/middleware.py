"""Let the sign-in and logout forms hand over to a registered relying party under the CSP.

Browsers apply ``form-action`` to the redirects that follow a form's POST too: the my-page login
(posted, then redirected through ``/oidc/authorize/`` to the party's ``redirect_uri``), the consent
page and the logout confirmation would be blocked by ``form-action 'self'``. On those pages only —
the OIDC pages, and my-page pages taking part in a sign-in (their ``next`` leads back to
``/oidc/``) — the policy also names the origins of the registered parties' redirect and post-logout
URIs: no other origin, nothing anywhere else, and no query on my page's own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseBase

from calsreg.sso.selectors import relying_parties

OIDC_PATH_PREFIX = "/oidc/"
MY_PAGE_PATH_PREFIX = "/mypage/"


def _in_handover(request: HttpRequest) -> bool:
    """An OIDC page, or a my-page page (login, forced password change) on the way back to one."""
    if request.path.startswith(OIDC_PATH_PREFIX):
        return True
    if not request.path.startswith(MY_PAGE_PATH_PREFIX):
        return False
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return next_url.startswith(OIDC_PATH_PREFIX)


def relying_party_origins() -> list[str]:
    origins: set[str] = set()
    for redirects, after_logout in relying_parties().values_list(
        "redirect_uris", "post_logout_redirect_uris"
    ):
        for uri in f"{redirects} {after_logout}".split():
            parts = urlsplit(uri)
            if parts.scheme in {"http", "https"} and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class RelyingPartyFormActionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "text/html" in response.get("Content-Type", "") and _in_handover(request):
            origins = relying_party_origins()
            if origins:
                response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
        return response
