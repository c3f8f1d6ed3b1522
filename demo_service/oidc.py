"""The OpenID Connect client: authlib's Django integration, configured from calsreg's discovery."""

from __future__ import annotations

from authlib.integrations.django_client import OAuth
from django.conf import settings

SCOPES = "openid profile email cals_projects"

oauth = OAuth()
oauth.register(
    name="calsreg",
    client_id=settings.CONFIG.client_id,
    client_secret=settings.CONFIG.client_secret,
    server_metadata_url=f"{settings.CONFIG.issuer}/.well-known/openid-configuration",
    # PKCE S256: authlib makes the verifier, keeps it in the session and sends it with the code.
    client_kwargs={"scope": SCOPES, "code_challenge_method": "S256"},
)
calsreg = oauth.create_client("calsreg")
