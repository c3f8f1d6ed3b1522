"""The desk's relying parties: the list, registering one (secrets shown once), rotating its secret
— administrators only for what makes a secret, and a refusal changes nothing."""

from __future__ import annotations

import pytest
import time_machine
from oauth2_provider.models import Application

from calsreg.accounts.models import Role
from calsreg.events.models import Subscriber, WebhookStatus
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import started
from tests.desk.sso_helpers import (
    BACKCHANNEL_URI,
    REDIRECT_URI,
    T0,
    WEBHOOK_URL,
    logout,
    party,
    sign_in,
    state,
    subscriber,
    webhook,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/desk/sso/register/"
FORM = {
    "name": "電子納品システム",
    "client_type": "confidential",
    "first_party": "on",
    "redirect_uris": "https://nohin.example.jp/oidc/callback\r\nhttps://nohin.example.jp/oidc/callback2",
    "post_logout_redirect_uris": "",
    "backchannel_logout_uri": "https://nohin.example.jp/oidc/backchannel-logout",
    "webhook_url": "https://nohin.example.jp/hooks",
}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, username="admin1"))
    return client


def _rotate_url(registered) -> str:
    return f"/desk/sso/{registered.application.pk}/rotate/"


def test_list_shows_each_party_with_its_uris_subscriber_counts_and_last_sign_in(desk_client):
    registered = party()
    made = subscriber(registered)
    webhook(made.subscriber, status=WebhookStatus.FAILED)
    webhook(made.subscriber, status=WebhookStatus.PENDING)
    holder = UserFactory(role=Role.CONTRACTOR)
    logout(registered.application, holder, status="failed")
    sign_in(registered.application, holder)
    party("公開の連携先", confidential=False)

    content = desk_client.get("/desk/sso/").content.decode()

    assert "情報共有システム" in content and "公開の連携先" in content
    assert registered.application.client_id in content
    assert REDIRECT_URI in content and BACKCHANNEL_URI in content and WEBHOOK_URL in content
    assert "機密" in content and "公開" in content and "自組織（同意画面なし）" in content
    assert "Webhook: 待ち 1・失敗 1<br>ログイン終了通知: 待ち 0・失敗 1" in content
    assert "2026年12月7日" in content
    assert registered.secret not in content and made.signing_secret not in content


@pytest.mark.parametrize("n", [1, 6])
def test_list_costs_the_same_queries_for_1_or_6_parties(desk_client, django_assert_num_queries, n):
    holder = UserFactory(role=Role.CONTRACTOR)
    for number in range(n):
        registered = party(f"連携先{number}")
        webhook(subscriber(registered).subscriber)
        logout(registered.application, holder)
        sign_in(registered.application, holder)

    # session, user, parties (with endpoint, counts, last sign-in), their subscribers
    with django_assert_num_queries(6):
        response = desk_client.get("/desk/sso/")

    assert response.content.decode().count('href="/desk/sso/') == n + 1  # + the menu entry


def test_register_shows_the_secrets_once_and_never_again(admin_client):
    response = admin_client.post(REGISTER_URL, FORM)

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    application = Application.objects.get(name="電子納品システム")
    made = Subscriber.objects.get(client_id=application.client_id)
    assert application.redirect_uris == (
        "https://nohin.example.jp/oidc/callback https://nohin.example.jp/oidc/callback2"
    )
    assert application.sso_backchannel.uri == "https://nohin.example.jp/oidc/backchannel-logout"
    assert (application.client_type, application.skip_authorization) == ("confidential", True)
    assert made.webhook_url == "https://nohin.example.jp/hooks"
    first = response.content.decode()
    secret = response.context["made"].party.secret
    feed_token = response.context["made"].subscriber.feed_token
    assert secret in first and made.signing_secret in first and feed_token in first
    assert "一度だけ表示します" in first
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "sso.party_registered",
        "events.subscriber_created",
    ]

    later = admin_client.get(f"/desk/sso/{application.pk}/").content.decode()
    listed = admin_client.get("/desk/sso/").content.decode()
    for page in (later, listed):
        assert application.client_id in page
        assert secret not in page and made.signing_secret not in page and feed_token not in page


def test_register_refusals_name_each_field_in_japanese_and_register_nothing(admin_client):
    before = state()

    response = admin_client.post(
        REGISTER_URL,
        {
            **FORM,
            "redirect_uris": "https://nohin.example.jp/*",
            "backchannel_logout_uri": "ftp://nohin.example.jp/logout",
            "webhook_url": "http://nohin.example.jp/hooks",
        },
    )

    assert response.status_code == 422
    content = response.content.decode()
    assert "入力内容に誤りがあります（3件）" in content
    assert 'href="#id_redirect_uris">リダイレクトURI: httpsまたはhttpの完全なURI' in content
    assert 'href="#id_backchannel_logout_uri">バックチャネルログアウトURI: ' in content
    assert 'href="#id_webhook_url">Webhook URL: Webhook URLは https:// で始まるURL' in content
    assert state() == before


def test_register_with_a_taken_subscriber_name_registers_no_party_either(admin_client):
    subscriber(party("電子納品システム"))
    before = state()

    response = admin_client.post(REGISTER_URL, FORM)

    assert response.status_code == 422
    assert "「電子納品システム」という購読者は既に登録されています" in response.content.decode()
    assert state() == before


def test_rotate_asks_first_and_says_the_old_secret_stops_at_once(admin_client):
    registered = party()
    before = state()

    response = admin_client.get(_rotate_url(registered))

    assert "今のシークレットはすぐに使えなくなります" in response.content.decode()
    assert state() == before


def test_rotate_replaces_the_secret_shows_it_once_and_audits(admin_client):
    registered = party()
    old_hash = Application.objects.get(pk=registered.application.pk).client_secret

    response = admin_client.post(_rotate_url(registered))

    application = Application.objects.get(pk=registered.application.pk)
    secret = response.context["secret"]
    assert application.client_secret != old_hash
    assert secret in response.content.decode() and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="sso.party_secret_rotated").count() == 1
    assert secret not in admin_client.get(f"/desk/sso/{application.pk}/").content.decode()


def test_rotate_of_a_public_party_is_refused_and_changes_nothing(admin_client):
    registered = party("公開の連携先", confidential=False)
    before = state()

    response = admin_client.post(_rotate_url(registered), follow=True)

    assert "公開クライアントにはシークレットがありません。" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("role", [Role.HELP_DESK, Role.BILLING_AGENT, Role.CONTRACTOR, None])
def test_register_and_rotate_are_refused_to_everyone_but_an_administrator(client, role):
    registered = party()
    subscriber(registered)
    if role == Role.CONTRACTOR:
        # A usable account holder, so the refusal is the desk's, not the middleware's sign-out.
        _project, accounts = started()
        client.force_login(next(user for user in accounts if user.role == role))
    elif role is not None:
        client.force_login(UserFactory(role=role))
    before = state()

    responses = [client.post(REGISTER_URL, FORM), client.post(_rotate_url(registered))]
    responses += [client.get(REGISTER_URL), client.get(_rotate_url(registered))]

    expected = 302 if role is None else 403
    assert [r.status_code for r in responses] == [expected] * 4
    assert state() == before
    assert not Application.objects.filter(name="電子納品システム").exists()


def test_the_help_desk_sees_no_register_or_rotate_button(desk_client):
    registered = party()

    listed = desk_client.get("/desk/sso/").content.decode()
    detail = desk_client.get(f"/desk/sso/{registered.application.pk}/").content.decode()

    assert REGISTER_URL not in listed and _rotate_url(registered) not in detail
