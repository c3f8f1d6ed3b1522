"""Logout tokens (OpenID Connect Back-Channel Logout 1.0, section 2.4), signed like ID tokens.

RS256 with the provider's key and the same ``kid`` (the key's thumbprint) as in the JWKS, ``typ``
``logout+jwt``; the claims ``iss``, ``aud``, ``iat``, ``exp``, ``jti``, ``events``, ``sub`` and
``sid`` (the ended sign-in's, as in its ID token) — never a ``nonce``, so a logout token can't pass
for an ID token.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

from django.conf import settings
from jwcrypto import jwt
from oauth2_provider.models import Application

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120


def issuer() -> str:
    """The provider's issuer as a worker sees it: the site's address (``CALSREG_SITE_URL``)."""
    return str(settings.SITE_URL).rstrip("/")


def logout_token_make(
    *, application: Application, sub: UUID, jti: UUID, now: datetime, sid: UUID | None = None
) -> str:
    iat = int(now.timestamp())
    claims = {
        "iss": issuer(),
        "aud": application.client_id,
        "iat": iat,
        "exp": iat + LOGOUT_TOKEN_SECONDS,
        "jti": str(jti),
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        "sub": str(sub),
    }
    if sid is not None:
        claims["sid"] = str(sid)
    key = application.jwk_key
    header = {"typ": "logout+jwt", "alg": Application.RS256_ALGORITHM, "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return str(token.serialize())
