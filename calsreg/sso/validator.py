"""django-oauth-toolkit's request validator with calsreg's rule at every step and calsreg's claims.

The rule (``sso.access.sign_in_refusal``: my page's ``accounts/access.py`` plus a project in use) is
checked when a code is exchanged, at each refresh and for each bearer token (userinfo); introspection
asks the same (``sso.views.IntrospectView``). A refusal issues nothing: oauthlib answers
``invalid_grant`` / ``invalid_token``.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any
from uuid import UUID, uuid4

from oauth2_provider.models import RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from calsreg.core import clock
from calsreg.sso import selectors, services
from calsreg.sso.access import sign_in_refusal

SID_ATTRIBUTE = "calsreg_sid"


class SsoValidator(OAuth2Validator):
    oidc_claim_scope = OAuth2Validator.oidc_claim_scope | {
        "name_kana": "profile",
        "cals_projects": "cals_projects",
    }

    def get_additional_claims(self) -> dict[str, Any]:  # type: ignore[override]
        # Request-agnostic (no ``request`` argument), so discovery lists the claims.
        return {
            "sub": lambda request: selectors.subject_of(user=request.user),
            "preferred_username": lambda request: request.user.get_username(),
            "name": lambda request: request.user.display_name,
            "name_kana": lambda request: request.user.kana,
            "email": lambda request: request.user.email,
            # Addresses come from the application the orderer confirmed, and ID and password went there.
            "email_verified": lambda request: bool(request.user.email),
            "cals_projects": lambda request: selectors.project_claims(user=request.user),
        }

    def get_id_token_dictionary(
        self, token: Any, token_handler: Any, request: Any
    ) -> tuple[dict[str, Any], Any]:
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        sid = _session_id(request)
        if sid is not None:
            claims["sid"] = str(sid)
        return claims, expiration_time

    def validate_code(
        self, client_id: Any, code: Any, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_code(client_id, code, client, request, *args, **kwargs):
            return False
        return sign_in_refusal(user=request.user) is None

    def validate_refresh_token(
        self, refresh_token: Any, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        sign_in = selectors.sign_in_of(token_family=request.refresh_token_instance.token_family)
        if sign_in is None or sign_in.expires_at <= clock.now():
            return False  # the absolute lifetime: sign in again with the password
        return sign_in_refusal(user=request.user) is None

    def validate_bearer_token(self, token: Any, scopes: Any, request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        if sign_in_refusal(user=request.user) is None:
            return True
        request.oauth2_error = OrderedDict(
            [("error", "invalid_token"), ("error_description", "The account may not be used now.")]
        )
        return False

    def _save_bearer_token(self, token: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        saved = super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and token.get("refresh_token"):
            family = (
                RefreshToken.objects.filter(token_checksum=_checksum(token["refresh_token"]))
                .values_list("token_family", flat=True)
                .first()
            )
            services.sign_in_record(
                user=request.user,
                application=request.client,
                token_family=family,
                sid=getattr(request, SID_ATTRIBUTE, None),
            )
        return saved


def _session_id(request: Any) -> UUID | None:
    """The ``sid`` of the sign-in an ID token is issued for.

    oauthlib builds the ID token (``finalize_id_token``) before DOT saves the tokens
    (``_save_bearer_token``), so at a code exchange the sign-in does not exist yet: its ``sid`` is
    drawn here and kept on the request for ``sign_in_record``. A refresh's ID token carries the
    ``sid`` of the sign-in its token family belongs to.
    """
    if request.grant_type == "authorization_code":
        if getattr(request, SID_ATTRIBUTE, None) is None:
            setattr(request, SID_ATTRIBUTE, uuid4())
        return getattr(request, SID_ATTRIBUTE)  # type: ignore[no-any-return]
    refresh = getattr(request, "refresh_token_instance", None)
    sign_in = selectors.sign_in_of(token_family=refresh.token_family) if refresh is not None else None
    return sign_in.sid if sign_in is not None else None


def _checksum(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
