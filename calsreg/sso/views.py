"""The OpenID Connect provider's endpoints: django-oauth-toolkit's views with calsreg's rule.

- The authorization endpoint sends a visitor to the my-page login (the one login rule, messages and
  lockout), then a forced password change, then checks ``sso.access.sign_in_refusal`` itself (a
  session of an account that became unusable gets no code) before DOT issues one.
- Introspection answers ``active: false`` for a token whose holder may no longer be signed in.
- Every endpoint answers 503 while no signing key is configured (debug off, no
  ``CALSREG_OIDC_PRIVATE_KEY``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views as dot_views
from oauth2_provider.models import AccessToken
from oauth2_provider.settings import oauth2_settings

from calsreg.sso import services
from calsreg.sso.access import sign_in_refusal

NO_KEY = "The OpenID Connect signing key is not configured (CALSREG_OIDC_PRIVATE_KEY); see docs/sso.md."


class KeyRequiredMixin:
    # Its ``dispatch`` comes first, so the endpoints a client (not a browser) calls are marked
    # ``csrf_exempt`` again below, as DOT marks its own.
    """No endpoint works without a signing key: refuse clearly rather than sign with nothing."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not oauth2_settings.OIDC_RSA_PRIVATE_KEY:
            return JsonResponse({"error": "temporarily_unavailable", "error_description": NO_KEY}, status=503)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class AuthorizeView(KeyRequiredMixin, dot_views.AuthorizationView):
    login_url = reverse_lazy("portal:login")
    template_name = "sso/authorize.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated:
            refusal = sign_in_refusal(user=user)
            if refusal is not None:
                services.authorization_refusal_record(
                    client_id=request.GET.get("client_id", ""),
                    redirect_uri=request.GET.get("redirect_uri", ""),
                    reason="login_rule",
                    description=refusal,
                    user=user,  # type: ignore[arg-type]  # an account: sign_in_refusal checked it
                )
                return render(request, "sso/refused.html", {"message": refusal}, status=403)
            if getattr(user, "must_change_password", False):
                # Like a required action: change the initial password, then come back here.
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('portal:password_change')}?{query}")
        return super().dispatch(request, *args, **kwargs)

    def error_response(self, error: Any, application: Any, **kwargs: Any) -> HttpResponse:
        """A request oauthlib refused (unregistered redirect URI, no PKCE, unknown client…): audited
        with oauthlib's error code and description, then answered as DOT does."""
        params = self.request.GET if self.request.method == "GET" else self.request.POST
        user = self.request.user if self.request.user.is_authenticated else None
        services.authorization_refusal_record(
            client_id=params.get("client_id", ""),
            redirect_uri=params.get("redirect_uri", ""),
            reason=str(getattr(error.oauthlib_error, "error", "invalid_request")),
            description=str(getattr(error.oauthlib_error, "description", "") or ""),
            user=user,  # type: ignore[arg-type]
        )
        return super().error_response(error, application, **kwargs)  # type: ignore[no-any-return]


@method_decorator(csrf_exempt, name="dispatch")
class TokenView(KeyRequiredMixin, dot_views.TokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class RevokeTokenView(KeyRequiredMixin, dot_views.RevokeTokenView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectView(KeyRequiredMixin, dot_views.IntrospectTokenView):
    @staticmethod
    def get_token_response(token_value: str | None = None) -> HttpResponse:
        response = dot_views.IntrospectTokenView.get_token_response(token_value)
        if token_value is None or not json.loads(response.content).get("active"):
            return response
        checksum = hashlib.sha256(token_value.encode("utf-8")).hexdigest()
        token = AccessToken.objects.select_related("user").filter(token_checksum=checksum).first()
        if token is None or sign_in_refusal(user=token.user) is not None:
            return JsonResponse({"active": False})
        return response


class DiscoveryView(KeyRequiredMixin, dot_views.ConnectDiscoveryInfoView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        # Back-Channel Logout 1.0: ID tokens and logout tokens carry the sign-in's ``sid``.
        data = json.loads(response.content)
        data["backchannel_logout_supported"] = True
        data["backchannel_logout_session_supported"] = True
        advertised = JsonResponse(data)
        advertised["Access-Control-Allow-Origin"] = "*"
        return advertised


class JwksView(KeyRequiredMixin, dot_views.JwksInfoView):
    pass


@method_decorator(csrf_exempt, name="dispatch")
class UserInfoView(KeyRequiredMixin, dot_views.UserInfoView):
    pass


class LogoutView(KeyRequiredMixin, dot_views.RPInitiatedLogoutView):
    template_name = "sso/logout_confirm.html"
