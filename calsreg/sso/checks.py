"""``check --deploy``: a provider without a signing key would answer 503 at every endpoint."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from oauth2_provider.settings import oauth2_settings


@register(deploy=True)
def oidc_signing_key_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if oauth2_settings.OIDC_RSA_PRIVATE_KEY:
        return []
    return [
        Error(
            "CALSREG_OIDC_PRIVATE_KEY is not set: the OpenID Connect endpoints answer 503.",
            hint="Set it to an RSA private key in PEM (or a file path); docs/sso.md, Key rotation.",
            id="calsreg.sso.E001",
        )
    ]
