"""The sign-in and logout pages may hand a form's redirect over to a registered relying party's
origin (browsers check form-action on redirects too); no other origin, and no other page."""

from __future__ import annotations

import pytest

from tests.sso.helpers import registered_party

pytestmark = pytest.mark.django_db


def _form_action(response) -> str:
    directives = dict(
        part.strip().split(" ", 1)
        for part in response["Content-Security-Policy"].split(";")
        if " " in part.strip()
    )
    return directives["form-action"]


def test_the_login_page_may_hand_over_to_a_registered_party_only(client):
    # given
    registered_party("http://testserver")

    # when: the login page on the way to the authorization endpoint, and my page's own login
    login = client.get("/mypage/login/", {"next": "/oidc/authorize/?client_id=x"})
    own_login = client.get("/mypage/login/")

    # then
    assert _form_action(login) == "'self' https://share.example.jp"
    assert _form_action(own_login) == "'self'"


def test_pages_outside_sign_in_keep_form_action_self(client):
    # given
    registered_party("http://testserver")

    # when
    portal = client.get("/")

    # then
    assert _form_action(portal) == "'self'"


def test_without_a_registered_party_the_login_page_keeps_form_action_self(client):
    assert _form_action(client.get("/mypage/login/")) == "'self'"
