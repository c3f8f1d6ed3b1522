"""OpenID Connect Back-Channel Logout 1.0, the receiving end: calsreg POSTs a signed logout token
when it ends someone's sessions (suspension, closing, password reset…); this service ends theirs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, transaction
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from demo_service.models import LogoutTokenSeen, SignedIn
from demo_service.oidc import calsreg

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
MAX_AGE_SECONDS = 300


class LogoutTokenInvalid(Exception):
    pass


def logout_token_claims(token: str) -> dict[str, Any]:
    """The claims of a valid logout token (spec §2.6), else ``LogoutTokenInvalid``."""
    try:
        keys = KeySet.import_key_set(calsreg.fetch_jwk_set())
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": calsreg.load_server_metadata()["issuer"]},
            aud={"essential": True, "value": settings.CONFIG.client_id},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise LogoutTokenInvalid(str(error)) from error
    claims = decoded.claims
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(LOGOUT_EVENT), dict):
        raise LogoutTokenInvalid("no back-channel logout event")
    if "nonce" in claims:
        raise LogoutTokenInvalid("a logout token never carries a nonce")
    if not claims.get("sub") and not claims.get("sid"):
        raise LogoutTokenInvalid("neither sub nor sid")
    return claims


@transaction.atomic
def sessions_end(*, claims: dict[str, Any]) -> int:
    """End the sessions the token names, once: the one session of its ``sid`` when it has one (the
    sign-in calsreg ended), else every session of its ``sub``."""
    try:
        with transaction.atomic():
            LogoutTokenSeen.objects.create(jti=claims["jti"])
    except IntegrityError as error:
        raise LogoutTokenInvalid("a replayed logout token") from error
    if claims.get("sid"):
        signed_in = SignedIn.objects.filter(sid=claims["sid"])
        if claims.get("sub"):
            signed_in = signed_in.filter(sub=claims["sub"])
    else:
        signed_in = SignedIn.objects.filter(sub=claims["sub"])
    keys = list(signed_in.values_list("session_key", flat=True))
    for key in keys:
        SessionStore(session_key=key).delete()
    signed_in.delete()
    return len(keys)
