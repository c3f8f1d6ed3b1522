"""Each way in that must stay shut: the refusal comes through the real endpoints, and nothing is
issued (no new grant, access token, refresh token or ID token)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from authlib.integrations.base_client.errors import OAuthError
from django.utils import timezone

from calsreg.accounts.models import Membership, MembershipRole
from calsreg.accounts.services import project_close, project_suspend
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.accounts.helpers import PASSWORD, registered, started
from tests.sso.helpers import (
    REDIRECT_URI,
    active_holder,
    authorize,
    code_for,
    follow,
    issued,
    registered_party,
    sign_in,
    tokens_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

NOT_YET = "このアカウントはまだ利用できません。「利用開始のお知らせ」メールが届いてからログインしてください。"
SUSPENDED = "利用料のお支払いが確認できないため、工事の利用を停止しています。"
CLOSED = "このアカウントは利用を終了しています。"
NO_PROJECT_AT_SSO = "利用中の工事がないため、情報共有システムにログインできません。"


def suspend(project):
    project_suspend(
        project=project,
        actor=Actor.system("test"),
        at=timezone.now(),
        summary="suspended for the test",
        summary_params={},
        data={},
    )


def refused_sign_in(live_server, username, password=PASSWORD):
    party = registered_party(live_server.url)
    client = party.session()
    url, _verifier, _nonce = authorize(party, client)
    browser = requests.Session()
    return sign_in(browser, live_server.url, follow(browser, url), username=username, password=password)


def test_before_the_start_of_use_the_login_refuses_with_the_reason_and_nothing_is_issued(live_server):
    _project, (tanaka, _suzuki, _supervisor) = registered()
    before = issued()

    response = refused_sign_in(live_server, tanaka.username)

    assert response.status_code == 200
    assert NOT_YET in response.text
    assert issued() == before


def test_a_suspended_project_refuses_with_the_reason_and_nothing_is_issued(live_server):
    tanaka = active_holder()
    suspend(tanaka.memberships.get().project)
    before = issued()

    response = refused_sign_in(live_server, tanaka.username)

    assert SUSPENDED in response.text
    assert issued() == before
    [audit] = AuditEvent.objects.filter(action="sso.authorization_refused")
    assert (audit.subject_type, audit.subject_id) == ("user", tanaka.pk)
    assert audit.summary_params["party"] == "情報共有システム"
    assert audit.data["reason"] == "login_rule"
    assert SUSPENDED in audit.data["description"]
    assert PASSWORD not in str(audit.data)


def test_a_closed_project_refuses_and_nothing_is_issued(live_server):
    tanaka = active_holder()
    project_close(project=tanaka.memberships.get().project, actor=Actor.system("test"), reason="test")
    before = issued()

    response = refused_sign_in(live_server, tanaka.username)

    assert response.status_code == 200
    assert CLOSED in response.text
    assert issued() == before


def test_with_one_project_suspended_the_person_gets_in_with_the_active_one_only(live_server):
    tanaka = active_holder()
    other, _accounts = started()
    Membership.objects.create(project=other, user=tanaka, role=MembershipRole.ENGINEER)
    suspend(other)
    party = registered_party(live_server.url)

    flow = tokens_for(party, tanaka.username)

    projects = flow.client.get(party.url("/oidc/userinfo/")).json()["cals_projects"]
    active = tanaka.memberships.get(role=MembershipRole.SITE_AGENT).project
    assert [project["project_number"] for project in projects] == [active.project_number]


def test_a_supervisor_whose_every_project_is_suspended_is_refused_at_authorize_and_nothing_is_issued(
    live_server,
):
    project, (_tanaka, _suzuki, supervisor) = started()
    supervisor.must_change_password = False
    supervisor.save(update_fields=["must_change_password"])
    suspend(project)
    before = issued()

    response = refused_sign_in(live_server, supervisor.username)

    assert response.status_code == 403
    assert NO_PROJECT_AT_SSO in response.text
    assert issued() == before
    [audit] = AuditEvent.objects.filter(action="sso.authorization_refused")
    assert (audit.subject_type, audit.subject_id) == ("user", supervisor.pk)
    assert (audit.data["reason"], audit.data["registered_party"]) == ("login_rule", True)
    assert NO_PROJECT_AT_SSO in audit.data["description"]


def test_a_session_whose_account_became_unusable_gets_no_code(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = code_for(party, tanaka.username)
    suspend(tanaka.memberships.get().project)
    before = issued()

    url, _verifier, _nonce = authorize(party, flow.client)
    response = follow(flow.browser, url)

    assert urlsplit(response.url).path == "/mypage/login/"
    assert SUSPENDED in response.text
    assert issued() == before


def test_a_locked_id_is_refused_even_with_the_right_password_and_nothing_is_issued(live_server, settings):
    tanaka = active_holder()
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        refused_sign_in(live_server, tanaka.username, password="wrong-password-1")
    before = issued()

    response = refused_sign_in(live_server, tanaka.username)

    assert response.status_code == 429
    assert issued() == before


def test_an_unregistered_redirect_uri_is_refused_without_redirecting(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = code_for(party, tanaka.username)
    before = issued()

    url, _verifier, _nonce = authorize(party, flow.client, redirect_uri=REDIRECT_URI + "/../evil")
    response = flow.browser.get(url, allow_redirects=False)

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert issued() == before
    [audit] = AuditEvent.objects.filter(action="sso.authorization_refused")
    assert audit.summary_params["party"] == "情報共有システム"
    assert audit.data["redirect_uri"] == REDIRECT_URI + "/../evil"
    assert audit.data["reason"] == "invalid_request"


@pytest.mark.parametrize("pkce", [{}, {"code_challenge": "abc" * 15, "code_challenge_method": "plain"}])
def test_an_authorization_without_s256_pkce_gets_no_code(live_server, pkce):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = code_for(party, tanaka.username)
    before = issued()
    query = {
        "response_type": "code",
        "client_id": party.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid",
        "state": "s1",
        **pkce,
    }

    response = flow.browser.get(party.url("/oidc/authorize/"), params=query, allow_redirects=False)

    location = parse_qs(urlsplit(response.headers["Location"]).query)
    assert location["error"] == ["invalid_request"]
    assert "code" not in location
    assert issued() == before
    [audit] = AuditEvent.objects.filter(action="sso.authorization_refused")
    assert (audit.subject_type, audit.subject_id) == ("user", tanaka.pk)
    assert (audit.data["client_id"], audit.data["reason"]) == (party.client_id, "invalid_request")
    assert "abc" not in str(audit.data)  # nor the challenge, nor the state


def test_a_wrong_verifier_is_refused_and_nothing_is_issued(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = code_for(party, tanaka.username)
    before = issued()

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(party.url("/oidc/token/"), code=flow.code, code_verifier="x" * 50)

    assert refused.value.error == "invalid_grant"
    assert issued() == before


def test_a_suspension_between_authorize_and_the_code_exchange_issues_nothing(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = code_for(party, tanaka.username)
    suspend(tanaka.memberships.get().project)
    before = issued()

    with pytest.raises(OAuthError) as refused:
        flow.client.fetch_token(party.url("/oidc/token/"), code=flow.code, code_verifier=flow.verifier)

    assert refused.value.error == "invalid_grant"
    assert issued() == before


def test_after_a_suspension_refresh_userinfo_and_introspection_refuse(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = tokens_for(party, tanaka.username)
    access_token = flow.client.token["access_token"]
    suspend(tanaka.memberships.get().project)
    before = issued()

    userinfo = requests.get(
        party.url("/oidc/userinfo/"), headers={"Authorization": f"Bearer {access_token}"}, timeout=10
    )
    introspection = requests.post(
        party.url("/oidc/introspect/"),
        data={"token": access_token},
        auth=(party.client_id, party.secret),
        timeout=10,
    )
    with pytest.raises(OAuthError) as refused:
        flow.client.refresh_token(party.url("/oidc/token/"))

    assert userinfo.status_code == 401
    assert introspection.json() == {"active": False}
    assert refused.value.error == "invalid_grant"
    assert issued() == before


def test_introspection_of_a_live_token_is_active(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = tokens_for(party, tanaka.username)

    introspection = requests.post(
        party.url("/oidc/introspect/"),
        data={"token": flow.client.token["access_token"]},
        auth=(party.client_id, party.secret),
        timeout=10,
    ).json()

    assert introspection["active"] is True
    assert introspection["client_id"] == party.client_id


def test_a_refresh_after_the_sign_ins_absolute_lifetime_is_refused(live_server, settings):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = tokens_for(party, tanaka.username)
    before = issued()

    later = timezone.now() + timedelta(seconds=settings.OIDC_SESSION_SECONDS + 1)
    with time_machine.travel(later), pytest.raises(OAuthError) as refused:
        flow.client.refresh_token(party.url("/oidc/token/"))

    assert refused.value.error == "invalid_grant"
    assert issued() == before


def test_a_revoked_refresh_token_is_refused(live_server):
    tanaka = active_holder()
    party = registered_party(live_server.url)
    flow = tokens_for(party, tanaka.username)
    refresh_token = flow.client.token["refresh_token"]

    revoked = requests.post(
        party.url("/oidc/revoke/"),
        data={"token": refresh_token, "token_type_hint": "refresh_token"},
        auth=(party.client_id, party.secret),
        timeout=10,
    )
    before = issued()
    with pytest.raises(OAuthError) as refused:
        flow.client.refresh_token(party.url("/oidc/token/"), refresh_token=refresh_token)

    assert revoked.status_code == 200
    assert refused.value.error == "invalid_grant"
    assert issued() == before
