"""The demo service's back-channel logout endpoint: a logout token signed by calsreg's key ends the
person's session there; a forged, replayed or malformed one is refused and ends nothing."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from django.conf import settings
from joserfc import jwt
from joserfc.jwk import RSAKey

from calsreg.sso.keys import rsa_private_key_pem
from calsreg.sso.selectors import subject_of
from tests.accounts.helpers import PASSWORD, started
from tests.demo_service.helpers import sign_in, text_of

pytestmark = pytest.mark.django_db(transaction=True)

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _logout_token(service, user, *, pem: str | None = None, **overrides) -> str:
    key = RSAKey.import_key(pem or settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"])
    claims = {
        "iss": service.issuer.rstrip("/"),
        "aud": service.config["client_id"],
        "iat": int(time.time()),
        "jti": str(uuid.uuid4()),
        "events": {LOGOUT_EVENT: {}},
        "sub": subject_of(user=user),
        **overrides,
    }
    return jwt.encode({"alg": "RS256", "kid": key.thumbprint()}, claims, key)


def _signed_in_person(service) -> tuple[requests.Session, object]:
    _project, (tanaka, _suzuki, _supervisor) = started()
    tanaka.must_change_password = False
    tanaka.save(update_fields=["must_change_password"])
    browser = requests.Session()
    sign_in(service, username=tanaka.username, password=PASSWORD, browser=browser)
    return browser, tanaka


def _signed_in(service, browser: requests.Session) -> bool:
    return "ログアウト" in text_of(browser.get(service.url + "/", timeout=10).text)


def _post(service, token: str) -> int:
    return requests.post(
        service.url + "/backchannel-logout/", data={"logout_token": token}, timeout=10
    ).status_code


def test_a_logout_token_from_calsreg_ends_the_session_at_the_service(service):
    # given
    browser, tanaka = _signed_in_person(service)
    assert _signed_in(service, browser)

    # when
    status = _post(service, _logout_token(service, tanaka))

    # then
    assert status == 200
    assert not _signed_in(service, browser)
    assert service.rows("SELECT COUNT(*) FROM demo_service_signedin") == [(0,)]


def test_forged_replayed_or_malformed_logout_tokens_are_refused_and_end_nothing(service):
    # given: a genuine token, used once for someone else's sub so it is spent
    browser, tanaka = _signed_in_person(service)
    spent = _logout_token(service, tanaka, sub="someone-else")
    assert _post(service, spent) == 200
    attacks = [
        _logout_token(service, tanaka, pem=rsa_private_key_pem()),  # signed with the attacker's key
        spent,  # replayed (its jti was seen)
        _logout_token(service, tanaka, aud="another-party"),  # meant for another party
        _logout_token(service, tanaka, iss="https://evil.example"),  # another issuer
        _logout_token(service, tanaka, events={}),  # not a logout event
        _logout_token(service, tanaka, nonce="n"),  # an ID token's nonce
        "not-a-jwt",
    ]

    # when
    statuses = [_post(service, token) for token in attacks]

    # then
    assert statuses == [400] * len(attacks)
    assert _signed_in(service, browser)
    assert service.rows("SELECT COUNT(*) FROM demo_service_signedin") == [(1,)]
