"""Login lockout without denial of service, through the real login pages (desk and my page).

Wrong passwords lock the pair (ID, client address) after five; the ID alone only after many, from many
addresses, briefly, the cool-off doubling with each new lock. Attempts refused by a lock neither count
nor extend it. A completed password reset lifts the ID's locks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt

from calsreg.accounts.models import LoginIdLock, Role
from calsreg.accounts.services.notices import account_password_reset_prepare
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import reset_requests_process
from tests.factories import UserFactory
from tests.portal.test_mypage import make_account

pytestmark = pytest.mark.django_db

ATTACKER, VICTIM = "10.0.0.66", "203.0.113.5"
START = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)
DESK_PASSWORD = "correct-horse-battery-staple"
HOLDER_PASSWORD = "Shinano-Gawa-2026"
NEW_PASSWORD = "Echigo-Heiya-Rice-77"
PAIR_LOCKED = "パスワードを5回続けて間違えたため、この接続元からこのIDでのログインを一時的に停止しました。"
ID_LOCKED = (
    "このIDに多くの接続元から誤ったパスワードが送られたため、このIDでのログインを一時的に停止しました。"
)


@dataclass(frozen=True)
class LoginPage:
    url: str
    username: str
    password: str


def desk_page() -> LoginPage:
    UserFactory(username="uketsuke", role=Role.HELP_DESK)
    return LoginPage("/desk/login/", "uketsuke", DESK_PASSWORD)


def my_page() -> LoginPage:
    make_account()
    return LoginPage("/mypage/login/", "tanaka.kqz", HOLDER_PASSWORD)


PAGES = {"desk": desk_page, "my-page": my_page}


@pytest.fixture(autouse=True)
def _clock(time_machine, settings):
    settings.LOGIN_ID_FAILURE_LIMIT = 10  # two guessing addresses are enough here (50 in production)
    time_machine.move_to(START, tick=False)


def login(client, page: LoginPage, address: str, password: str | None = None):
    client.logout()
    body = {"username": page.username, "password": password or page.password}
    return client.post(page.url, body, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def guess(client, page: LoginPage, address: str, times: int = 5) -> list[int]:
    return [login(client, page, address, password="wrong-guess").status_code for _ in range(times)]


@pytest.mark.parametrize("name", list(PAGES))
def test_an_attacker_failing_from_one_address_does_not_keep_the_holder_out(client, name):
    page = PAGES[name]()

    attempts = guess(client, page, ATTACKER, times=6)
    right_password_from_the_attacker = login(client, page, ATTACKER)
    victim = login(client, page, VICTIM)

    assert attempts == [200, 200, 200, 200, 429, 429]
    assert right_password_from_the_attacker.status_code == 429
    assert PAIR_LOCKED in right_password_from_the_attacker.content.decode()
    assert right_password_from_the_attacker["Retry-After"] == str(30 * 60)
    assert signed_in(victim)
    # Refused attempts were not counted: five failures, from the attacker's address only.
    assert list(AccessAttempt.objects.values_list("username", "ip_address", "failures_since_start")) == [
        (page.username, ATTACKER, 5)
    ]


def test_attempts_refused_by_a_lock_do_not_extend_it(client, time_machine):
    page = my_page()
    guess(client, page, ATTACKER)
    time_machine.move_to(START + dt.timedelta(minutes=25), tick=False)
    guess(client, page, ATTACKER)  # refused: the lock would end at 01:30 all the same

    time_machine.move_to(START + dt.timedelta(minutes=30, seconds=1), tick=False)
    after = login(client, page, ATTACKER)

    assert signed_in(after)


def test_many_addresses_lock_the_id_briefly_and_each_new_lock_lasts_twice_as_long(client, time_machine):
    # given: two addresses, five wrong passwords each (the ID-wide limit is 10 here)
    page = my_page()
    guess(client, page, "10.0.0.1")
    guess(client, page, "10.0.0.2")

    # when / then: the holder is refused from anywhere for five minutes
    refused = login(client, page, VICTIM)
    assert (refused.status_code, refused["Retry-After"]) == (429, str(5 * 60))
    assert ID_LOCKED in refused.content.decode()
    assert "5分ほど待ってから、もう一度ログインしてください。" in refused.content.decode()

    # two more addresses after it ends: the second lock lasts ten minutes
    time_machine.move_to(START + dt.timedelta(minutes=5, seconds=1), tick=False)
    guess(client, page, "10.0.0.3")
    guess(client, page, "10.0.0.4")
    again = login(client, page, VICTIM)
    assert (again.status_code, again["Retry-After"]) == (429, str(10 * 60))
    time_machine.move_to(START + dt.timedelta(minutes=15, seconds=2), tick=False)
    assert signed_in(login(client, page, VICTIM))
    assert LoginIdLock.objects.get(username=page.username).strikes == 2


def test_one_address_alone_can_never_lock_the_id(client, time_machine, settings):
    settings.LOGIN_ID_FAILURE_LIMIT = 6
    page = my_page()

    guess(client, page, ATTACKER, times=50)

    assert signed_in(login(client, page, VICTIM))


def test_a_completed_password_reset_lifts_the_ids_locks(client):
    # given: the ID locked from everywhere, and from the attacker's address
    page = my_page()
    guess(client, page, "10.0.0.1")
    guess(client, page, ATTACKER)
    assert login(client, page, VICTIM).status_code == 429

    # when: the holder resets the password through the mailed link
    client.post(
        "/mypage/password/reset/",
        {"username": page.username, "email": "tanaka@echigo-kensetsu.example.co.jp"},
        REMOTE_ADDR=VICTIM,
    )
    reset_requests_process()
    delivery = Delivery.objects.get(kind="account_password_reset")
    link = urlsplit(account_password_reset_prepare(delivery=delivery)["reset_url"]).path
    done = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, REMOTE_ADDR=VICTIM
    )

    # then: no lock is left, from any address
    assert done.status_code == 302
    assert (AccessAttempt.objects.count(), LoginIdLock.objects.count()) == (0, 0)
    assert AuditEvent.objects.get(action="account.password_reset").data == {"login_locks_lifted": True}
    assert signed_in(login(client, page, VICTIM, password=NEW_PASSWORD))
    assert signed_in(login(client, page, ATTACKER, password=NEW_PASSWORD))


def test_a_count_nobody_adds_to_is_forgotten_once_its_window_and_strikes_are_over(client, time_machine):
    page = my_page()
    for name in ("guess.one", "guess.two"):
        client.post(page.url, {"username": name, "password": "x"}, REMOTE_ADDR=ATTACKER)
    time_machine.move_to(START + dt.timedelta(minutes=31), tick=False)

    client.post(page.url, {"username": "guess.three", "password": "x"}, REMOTE_ADDR=ATTACKER)

    assert list(LoginIdLock.objects.values_list("username", "failures")) == [("guess.three", 1)]
