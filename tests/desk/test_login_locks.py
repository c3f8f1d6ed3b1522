"""The desk's login-lock page: the locks now (of IDs and of whole client addresses), lifting one
(audited), and only for the help desk."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt

from calsreg.accounts.models import LoginAddressLock, LoginIdLock, Role, User
from calsreg.records.models import AuditEvent
from tests.accounts.test_lockout import ATTACKER, VICTIM, guess, login, my_page, signed_in
from tests.factories import UserFactory
from tests.portal.test_mypage import make_account

pytestmark = pytest.mark.django_db

PAGE, LIFT = "/desk/login-locks/", "/desk/login-locks/lift/"
LIFT_ADDRESS = "/desk/login-locks/lift-address/"
START = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)  # 10:00 in Japan


@pytest.fixture(autouse=True)
def _clock(time_machine, settings):
    settings.LOGIN_ID_FAILURE_LIMIT = 10
    time_machine.move_to(START, tick=False)


def locks() -> tuple:
    return (
        list(AccessAttempt.objects.order_by("pk").values_list("ip_address", "failures_since_start")),
        list(LoginIdLock.objects.values_list("username", "failures", "locked_until")),
    )


def test_the_desk_lists_the_locks_and_lifting_one_is_audited_and_lets_the_holder_in(client, desk_user):
    # given: tanaka.kqz locked from the attacker's address and ID-wide; an ID nobody holds locked too
    page = my_page()
    guess(client, page, ATTACKER)
    guess(client, page, "10.0.0.1")
    for _ in range(5):
        client.post("/mypage/login/", {"username": "nobody.xyz", "password": "x"}, REMOTE_ADDR="10.0.0.2")
    client.force_login(desk_user)

    # when
    html = client.get(PAGE).content.decode()

    # then: both IDs, the addresses and until when; a lift button only for the real account
    assert "tanaka.kqz" in html and "nobody.xyz" in html
    assert "10.0.0.66 （2026年12月10日(木) 10:30まで）" in html
    assert "<td>2026年12月10日(木) 10:05まで</td>" in html  # ID-wide, five minutes
    assert "（このIDのアカウントはありません）" in html
    assert html.count('name="username"') == 1

    # when: the desk lifts it
    response = client.post(LIFT, {"username": "tanaka.kqz"}, follow=True)

    # then
    assert "tanaka.kqz のログイン停止を解除しました。" in response.content.decode()
    event = AuditEvent.objects.get(action="account.login_locks_lifted")
    assert (event.actor, event.subject_id, event.data) == (
        desk_user,
        User.objects.get(username="tanaka.kqz").pk,
        {"addresses": ["10.0.0.1", "10.0.0.66"], "id_wide_until": "2026-12-10T01:05:00+00:00"},
    )
    assert not AccessAttempt.objects.filter(username="tanaka.kqz").exists()
    client.logout()
    assert signed_in(login(client, page, VICTIM))
    assert signed_in(login(client, page, ATTACKER))


def test_lifting_an_id_that_is_not_locked_is_refused_and_records_nothing(desk_client):
    make_account()

    response = desk_client.post(LIFT, {"username": "tanaka.kqz"}, follow=True)

    assert "このIDのログイン停止はすでに終わっています。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="account.login_locks_lifted").exists()


@pytest.mark.parametrize("who", ["anonymous", "the-locked-holder", "billing-agent"])
def test_only_the_help_desk_and_administrators_see_and_lift_locks(client, who):
    page = my_page()
    guess(client, page, ATTACKER)
    if who == "the-locked-holder":
        client.force_login(User.objects.get(username=page.username))
    elif who == "billing-agent":
        client.force_login(UserFactory(role=Role.BILLING_AGENT))
    before = locks()

    shown = client.get(PAGE)
    lifted = client.post(LIFT, {"username": page.username})

    expected = 302 if who == "anonymous" else 403
    assert (shown.status_code, lifted.status_code) == (expected, expected)
    assert page.username not in shown.content.decode()
    assert locks() == before
    assert not AuditEvent.objects.filter(action="account.login_locks_lifted").exists()


def test_the_menu_leads_to_the_page(desk_client):
    html = desk_client.get(PAGE).content.decode()

    assert f'<a href="{PAGE}" aria-current="page">ログイン停止</a>' in html
    assert "ログインが停止されているIDはありません。" in html


# --- a whole client address refused (password spraying) ---------------------------------------------


def spray(client, address: str, ids: int) -> list[int]:
    """One wrong password on ``ids`` IDs nobody holds, at my page's login, from ``address``."""
    codes = []
    for number in range(ids):
        client.logout()
        body = {"username": f"sprayed.{number:03d}", "password": "Niigata-2026!"}
        codes.append(client.post("/mypage/login/", body, REMOTE_ADDR=address).status_code)
    return codes


def address_locks() -> list[tuple]:
    return list(LoginAddressLock.objects.values_list("address", "locked_at", "locked_until"))


def test_the_desk_lists_a_refused_address_and_lifting_it_is_audited_and_lets_the_office_in(
    client, desk_user, settings
):
    # given: an office's shared address crossed a small hourly allowance of wrong passwords; now even
    # the holder's right password is refused from it
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    page = my_page()
    assert spray(client, ATTACKER, ids=3) == [200, 200, 429]
    assert login(client, page, ATTACKER).status_code == 429
    client.force_login(desk_user)

    # when
    html = client.get(PAGE).content.decode()

    # then: the address and the end of the hour (11:00 in Japan), with a lift button for it
    assert "<td>10.0.0.66</td>\n      <td>2026年12月10日(木) 11:00まで</td>" in html
    assert '<input type="hidden" name="address" value="10.0.0.66">' in html

    # when: the desk lifts it
    response = client.post(LIFT_ADDRESS, {"address": ATTACKER}, follow=True)

    # then: audited, no longer listed, and the holder signs in from that address
    html = response.content.decode()
    assert "接続元 10.0.0.66 のログイン停止を解除しました。" in html
    assert "ログインが停止されている接続元はありません。" in html
    event = AuditEvent.objects.get(action="login.address_lock_lifted")
    assert (event.actor, event.subject_type, event.subject_id, event.data) == (
        desk_user,
        "loginaddresslock",
        LoginAddressLock.objects.get().pk,
        {"address": ATTACKER, "until": "2026-12-10T02:00:00+00:00"},
    )
    client.logout()
    assert signed_in(login(client, page, ATTACKER))


def test_lifting_an_address_that_is_not_refused_is_refused_and_records_nothing(desk_client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    spray(desk_client, "10.0.0.1", ids=2)  # one short of the allowance
    desk_client.force_login(UserFactory(role=Role.HELP_DESK))

    response = desk_client.post(LIFT_ADDRESS, {"address": "10.0.0.1"}, follow=True)

    assert "この接続元のログイン停止はすでに終わっています。" in response.content.decode()
    assert address_locks() == []
    assert not AuditEvent.objects.filter(action="login.address_lock_lifted").exists()


def test_an_address_whose_count_has_left_the_cache_is_not_listed(desk_client, settings):
    # given: an address refused, then the cache emptied (a restart): nothing refuses it any more
    from django.core.cache import cache

    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    spray(desk_client, ATTACKER, ids=3)
    cache.clear()
    desk_client.force_login(UserFactory(role=Role.HELP_DESK))

    html = desk_client.get(PAGE).content.decode()

    assert "ログインが停止されている接続元はありません。" in html


@pytest.mark.parametrize("who", ["anonymous", "billing-agent"])
def test_only_the_help_desk_and_administrators_see_and_lift_address_locks(client, settings, who):
    # given: a refused address
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    page = my_page()
    spray(client, ATTACKER, ids=3)
    if who == "billing-agent":
        client.force_login(UserFactory(role=Role.BILLING_AGENT))
    before = address_locks()

    # when
    shown = client.get(PAGE)
    lifted = client.post(LIFT_ADDRESS, {"address": ATTACKER})

    # then: refused, nothing shown or changed, and the address is still refused
    expected = 302 if who == "anonymous" else 403
    assert (shown.status_code, lifted.status_code) == (expected, expected)
    assert ATTACKER not in shown.content.decode()
    assert address_locks() == before != []
    assert not AuditEvent.objects.filter(action="login.address_lock_lifted").exists()
    assert login(client, page, ATTACKER).status_code == 429
