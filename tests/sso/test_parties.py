"""Relying parties: registered by the administrator's commands, secrets hashed; the consent page for a
party not marked first-party; a forced password change before the flow goes on."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.hashers import check_password, make_password
from django.core.management import call_command
from oauth2_provider.models import Application

from calsreg.records.models import AuditEvent
from tests.accounts.helpers import PASSWORD
from tests.sso.helpers import active_holder, authorize, callback_code, follow, registered_party, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Echigo-Heiya-Rice-77"


def test_the_create_command_prints_the_secret_once_and_stores_only_its_hash():
    out = io.StringIO()

    call_command(
        "oidc_client_create",
        "情報共有システム",
        "--redirect-uri",
        "https://share.example.jp/cb",
        "--first-party",
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    party = Application.objects.get()
    secret = lines[-1]
    assert lines[0] == f"client_id: {party.client_id}"
    assert party.client_secret != secret and check_password(secret, party.client_secret)
    assert party.skip_authorization is True
    assert party.redirect_uris == "https://share.example.jp/cb"
    assert AuditEvent.objects.get(action="sso.party_registered").data["client_id"] == party.client_id


def test_rotating_the_secret_replaces_it():
    call_command(
        "oidc_client_create", "RP", "--redirect-uri", "https://rp.example.jp/cb", stdout=io.StringIO()
    )
    party = Application.objects.get()
    out = io.StringIO()

    call_command("oidc_client_rotate_secret", party.client_id, stdout=out)

    party.refresh_from_db()
    assert check_password(out.getvalue().splitlines()[-1], party.client_secret)
    assert AuditEvent.objects.filter(action="sso.party_secret_rotated").count() == 1


def test_client_secrets_are_stored_with_the_client_secret_hasher_and_still_verify(
    production_password_hashing,
):
    # given production's hashers: Argon2id first for passwords
    out = io.StringIO()

    # when a confidential party is registered
    call_command("oidc_client_create", "RP", "--redirect-uri", "https://rp.example.jp/cb", stdout=out)

    # then its generated secret is stored salted, one PBKDF2 round, and only the right secret verifies
    party = Application.objects.get()
    secret = out.getvalue().splitlines()[-1]
    assert len(secret) == 128
    assert party.client_secret.startswith("calsreg_client_secret$1$")
    assert check_password(secret, party.client_secret)
    assert not check_password(secret[:-1] + "?", party.client_secret)
    # and a secret stored before the change (Argon2id) still verifies: nobody has to rotate
    assert check_password(secret, make_password(secret))


def test_a_redirect_uri_with_a_wildcard_is_refused_and_nothing_is_registered():
    with pytest.raises(Exception, match="リダイレクトURI"):
        call_command(
            "oidc_client_create", "RP", "--redirect-uri", "https://*.example.jp/cb", stdout=io.StringIO()
        )

    assert Application.objects.count() == 0


def test_the_list_command_shows_the_parties_without_secrets():
    call_command(
        "oidc_client_create", "RP", "--redirect-uri", "https://rp.example.jp/cb", stdout=io.StringIO()
    )
    out = io.StringIO()

    call_command("oidc_client_list", stdout=out)

    party = Application.objects.get()
    assert out.getvalue() == f"{party.client_id}\tRP\tconfidential\tconsent\thttps://rp.example.jp/cb\t-\n"


def test_a_party_not_first_party_shows_the_consent_page_then_issues_a_code_when_allowed(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url, first_party=False, confidential=False)
    client = party.session()
    url, _verifier, _nonce = authorize(party, client)
    browser = requests.Session()

    consent = sign_in(browser, live_server.url, follow(browser, url), username=tanaka.username)
    assert consent.status_code == 200
    assert "「情報共有システム」にサインインしますか" in consent.text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', consent.text))
    response = browser.post(consent.url, data={**form, "allow": "1"}, allow_redirects=False)

    assert callback_code(response)


def test_a_forced_password_change_comes_first_then_the_flow_goes_on(live_server):
    tanaka = active_holder()
    tanaka.must_change_password = True
    tanaka.save(update_fields=["must_change_password"])
    party = registered_party(live_server.url)
    client = party.session()
    url, _verifier, _nonce = authorize(party, client)
    browser = requests.Session()

    change_page = sign_in(browser, live_server.url, follow(browser, url), username=tanaka.username)
    assert change_page.url.startswith(live_server.url + "/mypage/password/?next=")
    response = browser.post(
        change_page.url,
        data={
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": parse_qs(urlsplit(change_page.url).query)["next"][0],
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
        allow_redirects=False,
    )
    response = follow(browser, live_server.url + response.headers["Location"])

    assert callback_code(response)
    tanaka.refresh_from_db()
    assert tanaka.must_change_password is False
