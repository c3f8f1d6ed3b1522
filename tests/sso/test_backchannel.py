"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0) through the real worker to real
HTTP receivers on 127.0.0.1: when calsreg ends someone's sessions, each relying party holding one
gets exactly one signed logout token, retried with back-off while it is down, and nothing for a
change that was rolled back."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from django.contrib.auth.tokens import default_token_generator
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from joserfc import jwt
from joserfc.jwk import KeySet
from oauth2_provider.models import AccessToken, Application, RefreshToken

from calsreg.accounts.models import ProjectStatus, User
from calsreg.accounts.services import project_suspend, project_user_remove
from calsreg.accounts.services.passwords import account_password_reset_complete
from calsreg.billing.services import billing_suspension_sweep
from calsreg.core import clock
from calsreg.events.models import Event
from calsreg.sso.models import BackchannelEndpoint, LogoutDelivery, LogoutStatus, SignIn
from calsreg.sso.services import sign_in_record
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, desk_actor
from tests.billing.dunning_helpers import SITE_AGENT_EMAIL, posted_invoice
from tests.billing.invoice_helpers import jst, standard_tax_rate
from tests.events.helpers import free_port
from tests.sso.helpers import (
    LogoutReceiver,
    Party,
    active_holder,
    id_token_claims,
    logout_token_claims,
    registered_party,
    tokens_for,
)

pytestmark = pytest.mark.django_db(transaction=True)

T0 = A_DAY_OF_THE_PERIOD + timedelta(hours=1)


@pytest.fixture(autouse=True)
def _backchannel_settings(settings, live_server):
    # The worker names the issuer from the site's address: the live server's, as discovery does.
    settings.SITE_URL = live_server.url
    settings.EVENTS_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.EVENTS_WEBHOOK_MAX_ATTEMPTS = 12


@pytest.fixture
def receivers():
    made: list[LogoutReceiver] = []

    def make(*, start: bool = True) -> LogoutReceiver:
        receiver = LogoutReceiver(port=free_port())
        if start:
            receiver.start()
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.stop()


def _party(live_server, receiver: LogoutReceiver, name: str) -> Party:
    return registered_party(live_server.url, name=name, backchannel_logout_uri=receiver.url)


def _suspend(user: User) -> None:
    project = user.memberships.get().project
    project_suspend(
        project=project, actor=desk_actor(), at=clock.now(), summary="test", summary_params={}, data={}
    )


def _signed_in(user: User, party: Party) -> SignIn:
    """A sign-in as the code exchange records it (for the tests about triggers, not the flow)."""
    application = Application.objects.get(client_id=party.client_id)
    return sign_in_record(user=user, application=application, token_family=uuid.uuid4())


def test_discovery_advertises_back_channel_logout_with_sid(live_server):
    discovery = requests.get(live_server.url + "/.well-known/openid-configuration", timeout=10).json()

    assert discovery["backchannel_logout_supported"] is True
    assert discovery["backchannel_logout_session_supported"] is True


def test_oidc_client_create_keeps_the_back_channel_logout_uri_and_list_shows_it(capsys):
    # when
    call_command(
        "oidc_client_create",
        "情報共有システム",
        "--redirect-uri",
        "https://share.example.jp/oidc/callback",
        "--backchannel-logout-uri",
        "https://share.example.jp/oidc/backchannel-logout",
    )
    call_command("oidc_client_list")

    # then
    endpoint = BackchannelEndpoint.objects.get()
    assert endpoint.uri == "https://share.example.jp/oidc/backchannel-logout"
    assert capsys.readouterr().out.rstrip().endswith("\thttps://share.example.jp/oidc/backchannel-logout")


def test_a_plain_http_back_channel_logout_uri_is_refused_in_production(settings):
    # given the provider served over https only (CALSREG_SECURE_COOKIES)
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["https"]}

    # when the administrator gives a plain-http logout URI, where a token could be read on the way
    with pytest.raises(CommandError, match="バックチャネルログアウトURI"):
        call_command(
            "oidc_client_create",
            "情報共有システム",
            "--redirect-uri",
            "https://share.example.jp/oidc/callback",
            "--backchannel-logout-uri",
            "http://share.example.jp/oidc/backchannel-logout",
        )

    # then nothing is registered
    assert Application.objects.count() == 0
    assert BackchannelEndpoint.objects.count() == 0


def test_a_suspension_sends_one_verified_logout_token_per_party_with_a_session(
    live_server, receivers, run_tasks, time_machine
):
    # given Tanaka signed in for real at two parties; a third party holds no session of his
    tanaka = active_holder()
    share, photos, drawings = receivers(), receivers(), receivers()
    share_party = _party(live_server, share, "情報共有システム")
    photos_party = _party(live_server, photos, "工事写真管理")
    _party(live_server, drawings, "電子納品チェック")
    share_flow = tokens_for(share_party, tanaka.username)
    photos_flow = tokens_for(photos_party, tanaka.username)
    time_machine.move_to(T0, tick=False)

    # when the project is suspended and the worker runs (twice: nothing is sent again)
    _suspend(tanaka)
    run_tasks()
    run_tasks()

    # then each party with a session got exactly one token, valid per the specification
    sub = str(tanaka.subject)
    assert len(share.tokens) == 1
    assert len(photos.tokens) == 1
    assert drawings.posts == []
    share_claims = logout_token_claims(share_party, share.tokens[0])
    photos_claims = logout_token_claims(photos_party, photos.tokens[0])
    assert share_claims["sub"] == photos_claims["sub"] == sub
    assert share_claims["iat"] == int(T0.timestamp())
    assert share_claims["exp"] == int(T0.timestamp()) + 120
    assert share_claims["jti"] != photos_claims["jti"]
    assert share.posts[0]["content_type"] == "application/x-www-form-urlencoded"
    assert [(d.status, d.attempts, d.last_status) for d in LogoutDelivery.objects.order_by("pk")] == [
        (LogoutStatus.DELIVERED, 1, 200),
        (LogoutStatus.DELIVERED, 1, 200),
    ]
    # and the sign-ins are over: no token of his is left, a refresh is refused
    assert list(SignIn.objects.values_list("ended_at", flat=True)) == [T0, T0]
    assert AccessToken.objects.filter(user=tanaka).count() == 0
    assert RefreshToken.objects.filter(user=tanaka, revoked__isnull=True).count() == 0
    with pytest.raises(OAuthError):
        share_flow.client.refresh_token(share_party.url("/oidc/token/"))
    with pytest.raises(OAuthError):
        photos_flow.client.refresh_token(photos_party.url("/oidc/token/"))


def test_the_billing_agents_suspension_sweep_signs_the_site_agent_out(
    live_server, receivers, run_tasks, time_machine
):
    # given the site agent signed in for real the evening before an unpaid invoice's suspension
    # (the tax rate is seeded by a migration, which an earlier transactional test's flush removed)
    standard_tax_rate()
    project, _invoice = posted_invoice()
    site_agent = User.objects.get(email=SITE_AGENT_EMAIL)
    share = receivers()
    party = _party(live_server, share, "情報共有システム")
    time_machine.move_to(jst(2027, 2, 1, 23), tick=True)
    flow = tokens_for(party, site_agent.username)

    # when the billing agent's daily sweep suspends the project, and the worker runs
    time_machine.move_to(jst(2027, 2, 2, 3), tick=False)
    assert billing_suspension_sweep() == 1
    run_tasks()

    # then the party got one logout token for the site agent, and his refresh is refused
    project.refresh_from_db()
    assert project.status == ProjectStatus.SUSPENDED
    [token] = share.tokens
    claims = logout_token_claims(party, token)
    assert claims["sub"] == str(site_agent.subject)
    assert claims["iat"] == int(jst(2027, 2, 2, 3).timestamp())
    with pytest.raises(OAuthError):
        flow.client.refresh_token(party.url("/oidc/token/"))


def test_a_receiver_down_then_failing_gets_the_token_exactly_once_after_the_back_off(
    live_server, receivers, run_tasks, time_machine
):
    # given Tanaka signed in at a party whose receiver is not listening (connection refused)
    tanaka = active_holder()
    share = receivers(start=False)
    party = _party(live_server, share, "情報共有システム")
    _signed_in(tanaka, party)
    time_machine.move_to(T0, tick=False)

    # when the project is suspended
    _suspend(tanaka)
    run_tasks()

    # then the token waits for the first back-off
    delivery = LogoutDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        LogoutStatus.PENDING,
        1,
        T0 + timedelta(seconds=30),
    )
    assert delivery.last_error.startswith("URLError")

    # when it comes back answering 500: nothing before the back-off, then a doubled one
    share.status = 500
    share.start()
    time_machine.move_to(T0 + timedelta(seconds=29), tick=False)
    run_tasks()
    assert LogoutDelivery.objects.get().attempts == 1
    time_machine.move_to(T0 + timedelta(seconds=30), tick=False)
    run_tasks()
    delivery = LogoutDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status, delivery.next_attempt_at) == (
        2,
        500,
        T0 + timedelta(seconds=90),
    )

    # when it answers 200 again
    share.status = 200
    time_machine.move_to(T0 + timedelta(seconds=90), tick=False)
    run_tasks()
    [token] = share.tokens
    assert logout_token_claims(party, token)["iat"] == int((T0 + timedelta(seconds=90)).timestamp())
    time_machine.move_to(T0 + timedelta(hours=7), tick=False)
    run_tasks()

    # then the token arrived exactly once
    assert len(share.tokens) == 1
    delivery = LogoutDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == (
        LogoutStatus.DELIVERED,
        3,
        T0 + timedelta(seconds=90),
    )


def test_a_rolled_back_suspension_signs_nobody_out(live_server, receivers, run_tasks, time_machine):
    # given Tanaka signed in at a party
    tanaka = active_holder()
    share = receivers()
    party = _party(live_server, share, "情報共有システム")
    sign_in = _signed_in(tanaka, party)
    time_machine.move_to(T0, tick=False)

    # when the suspension's transaction fails after the change
    with pytest.raises(RuntimeError), transaction.atomic():
        _suspend(tanaka)
        raise RuntimeError("rolled back")
    run_tasks()

    # then nothing was sent, written or ended
    assert share.posts == []
    assert Event.objects.filter(type="project.suspended").count() == 0
    assert LogoutDelivery.objects.count() == 0
    sign_in.refresh_from_db()
    assert sign_in.ended_at is None


def test_a_password_reset_signs_the_person_out_at_the_party(live_server, receivers, run_tasks, time_machine):
    # given Tanaka signed in at a party, and a reset link of his
    tanaka = active_holder()
    share = receivers()
    party = _party(live_server, share, "情報共有システム")
    _signed_in(tanaka, party)
    uid = urlsafe_base64_encode(force_bytes(tanaka.pk))
    token = default_token_generator.make_token(tanaka)
    time_machine.move_to(T0, tick=False)

    # when he sets a new password through the link
    account_password_reset_complete(uidb64=uid, token=token, new_password="Echigo-Heiya-Rice-77")
    run_tasks()

    # then an event says why, and the party got one logout token for him
    event = Event.objects.get(type="account.sessions_ended")
    assert (event.account_id, event.payload["reason"]) == (tanaka.username, "password_reset")
    assert len(share.tokens) == 1
    assert logout_token_claims(party, share.tokens[0])["sub"] == str(tanaka.subject)


def test_removal_from_the_project_signs_the_person_out_once(live_server, receivers, run_tasks, time_machine):
    # given Suzuki, engineer of the project, signed in at a party
    tanaka = active_holder()
    project = tanaka.memberships.get().project
    suzuki = User.objects.get(username__startswith="suzuki2")
    share = receivers()
    party = _party(live_server, share, "情報共有システム")
    _signed_in(suzuki, party)
    _signed_in(tanaka, party)
    time_machine.move_to(T0, tick=False)

    # when the desk removes him (his account closes too: two session-ending events)
    project_user_remove(project=project, user=suzuki, actor=desk_actor())
    run_tasks()
    run_tasks()

    # then exactly one token, for him only; Tanaka stays signed in
    assert {"membership.removed", "account.closed"} <= set(Event.objects.values_list("type", flat=True))
    assert len(share.tokens) == 1
    assert logout_token_claims(party, share.tokens[0])["sub"] == str(suzuki.subject)
    assert SignIn.objects.get(user=tanaka).ended_at is None
    assert SignIn.objects.get(user=suzuki).ended_at == T0


def test_the_id_tokens_sub_and_sid_come_back_in_userinfo_the_events_and_the_logout_token(
    live_server, receivers, run_tasks, time_machine
):
    # given Tanaka signed in for real at a party that takes logout tokens
    tanaka = active_holder()
    share = receivers()
    party = _party(live_server, share, "情報共有システム")
    flow = tokens_for(party, tanaka.username)
    claims = id_token_claims(party, flow.client.token["id_token"], nonce=flow.nonce)
    userinfo = flow.client.get(party.url("/oidc/userinfo/")).json()
    refreshed = flow.client.refresh_token(party.url("/oidc/token/"))
    refreshed_claims = jwt.decode(refreshed["id_token"], _jwks(party), algorithms=["RS256"]).claims
    time_machine.move_to(T0, tick=False)

    # when the project is suspended and the worker runs
    _suspend(tanaka)
    run_tasks()

    # then one sub everywhere: the account's, in the ID token, userinfo and every event about him
    sub = str(User.objects.get(pk=tanaka.pk).subject)
    assert claims["sub"] == userinfo["sub"] == refreshed_claims["sub"] == sub
    about_him = Event.objects.filter(account_id=tanaka.username)
    assert about_him.count() >= 3
    assert {_sub_in(event.payload) for event in about_him} == {sub}
    # and the sign-in's sid: in the ID token (the refreshed one too) and in the logout token
    sign_in = SignIn.objects.get(user=tanaka)
    assert claims["sid"] == refreshed_claims["sid"] == str(sign_in.sid)
    [token] = share.tokens
    logout = logout_token_claims(party, token)
    assert (logout["sub"], logout["sid"]) == (sub, claims["sid"])
    assert "nonce" not in logout


def test_two_sessions_at_one_party_get_one_logout_token_each_naming_its_sid(
    live_server, receivers, run_tasks, time_machine
):
    # given Tanaka signed in twice at the same party (two browsers)
    tanaka = active_holder()
    share = receivers()
    party = _party(live_server, share, "情報共有システム")
    first, second = _signed_in(tanaka, party), _signed_in(tanaka, party)
    time_machine.move_to(T0, tick=False)

    # when the project is suspended and the worker runs twice
    _suspend(tanaka)
    run_tasks()
    run_tasks()

    # then each session is told once, by its own sid
    sids = sorted(logout_token_claims(party, token)["sid"] for token in share.tokens)
    assert sids == sorted([str(first.sid), str(second.sid)])
    assert LogoutDelivery.objects.count() == 2
    assert set(LogoutDelivery.objects.values_list("sign_in_id", flat=True)) == {first.pk, second.pk}


def _jwks(party: Party) -> KeySet:
    return KeySet.import_key_set(requests.get(party.url("/.well-known/jwks.json"), timeout=10).json())


def _sub_in(payload: dict) -> str:
    """The ``sub`` an account or membership event names."""
    return (payload.get("account") or payload.get("membership"))["sub"]
