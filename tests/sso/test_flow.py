"""The full authorization-code + PKCE flow against a live server, driven by authlib as a relying
party would: sign in through the my-page login form, exchange the code, verify the ID token through
the JWKS, call userinfo, refresh."""

from __future__ import annotations

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError

from calsreg.records.models import AuditEvent
from calsreg.sso.models import SignIn
from tests.sso.helpers import (
    active_holder,
    authorize,
    callback_code,
    follow,
    id_token_claims,
    issued,
    registered_party,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_discovery_names_the_endpoints_and_only_s256(live_server):
    discovery = requests.get(live_server.url + "/.well-known/openid-configuration", timeout=10).json()

    assert discovery["issuer"] == live_server.url
    assert discovery["authorization_endpoint"] == live_server.url + "/oidc/authorize/"
    assert discovery["token_endpoint"] == live_server.url + "/oidc/token/"
    assert discovery["userinfo_endpoint"] == live_server.url + "/oidc/userinfo/"
    assert discovery["end_session_endpoint"] == live_server.url + "/oidc/logout/"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["response_types_supported"] == ["code"]
    assert {"sub", "preferred_username", "name_kana", "cals_projects"} <= set(discovery["claims_supported"])


def test_a_person_in_use_signs_in_and_the_party_gets_verified_claims_userinfo_and_a_refresh(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    client = party.session()
    url, verifier, nonce = authorize(party, client)
    browser = requests.Session()

    login_page = follow(browser, url)
    code = callback_code(sign_in(browser, live_server.url, login_page, username=tanaka.username))
    token = client.fetch_token(party.url("/oidc/token/"), code=code, code_verifier=verifier)

    claims = id_token_claims(party, token["id_token"], nonce=nonce)
    sub = str(tanaka.subject)
    assert claims["sub"] == sub
    assert claims["preferred_username"] == tanaka.username
    assert claims["name"] == "田中 一郎"
    assert claims["name_kana"] == "タナカ イチロウ"
    assert claims["email"] == "tanaka@echigo-kensetsu.example.co.jp"
    assert claims["email_verified"] is True
    [project] = claims["cals_projects"]
    assert project["name"] == "信濃川護岸設置工事"
    assert project["role"] == "site_agent"
    assert project["state"] == "active"
    assert project["service_start"] == "2026-12-07"
    assert project["service_end"] == "2027-03-19"
    assert token["expires_in"] == 300

    userinfo = client.get(party.url("/oidc/userinfo/")).json()
    assert userinfo["sub"] == sub
    assert userinfo["cals_projects"] == claims["cals_projects"]

    refreshed = client.refresh_token(party.url("/oidc/token/"))
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert SignIn.objects.get().user == tanaka
    event = AuditEvent.objects.get(action="sso.signed_in")
    assert event.data["client_id"] == party.client_id


def test_a_reused_code_issues_nothing_more(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    client = party.session()
    url, verifier, _nonce = authorize(party, client)
    browser = requests.Session()
    code = callback_code(sign_in(browser, live_server.url, follow(browser, url), username=tanaka.username))
    client.fetch_token(party.url("/oidc/token/"), code=code, code_verifier=verifier)
    before = issued()

    with pytest.raises(OAuthError) as refused:
        party.session().fetch_token(party.url("/oidc/token/"), code=code, code_verifier=verifier)

    assert refused.value.error == "invalid_grant"
    assert issued() == before
