"""The signing key: refused clearly when missing, the previous key published during a rotation."""

from __future__ import annotations

import os

import pytest
from oauth2_provider.models import Grant

from calsreg.sso.keys import pem_blocks, public_key_pem, rsa_private_key_pem
from tests.core.helpers import manage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/.well-known/openid-configuration", "/.well-known/jwks.json", "/oidc/authorize/", "/oidc/token/"],
)
def test_without_a_signing_key_every_endpoint_answers_503_and_issues_nothing(client, settings, path):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": ""}

    response = client.post(path) if path == "/oidc/token/" else client.get(path)

    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert Grant.objects.count() == 0


def test_check_deploy_fails_without_a_signing_key():
    result = manage("check", "--deploy", CALSREG_SECRET_KEY="Q9v" + "x7Rk2-mP4tZ8wN3bL6yH1cF5jD0sG" * 2)

    assert "calsreg.sso.E001" in result.stdout + result.stderr
    assert result.returncode == 1


def test_during_a_rotation_the_jwks_publishes_the_new_and_the_previous_key(client, settings):
    previous = public_key_pem(rsa_private_key_pem())
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": pem_blocks(previous),
    }

    keys = client.get("/.well-known/jwks.json").json()["keys"]

    assert [key["alg"] for key in keys] == ["RS256", "RS256"]
    assert len({key["kid"] for key in keys}) == 2
    assert os.environ["CALSREG_OIDC_PRIVATE_KEY"] not in str(keys)
    assert all("d" not in key for key in keys)  # public halves only
