"""Password spraying — one common password tried on many IDs from one address — through the real login
pages (desk, my page, admin).

The pair lock never sees an ID twice, so each address also has an hourly allowance of wrong passwords
across all IDs (``LOGIN_FAILURES_PER_ADDRESS_PER_HOUR``, 100). Once it is used up, every login from that
address is refused until the hour ends without the password being checked, so a right guess is not
confirmed; other addresses are unaffected.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session

from calsreg.accounts.models import LoginIdLock, Role, User
from calsreg.records.models import AuditEvent
from tests.accounts.test_lockout import DESK_PASSWORD, PAGES, LoginPage, login, signed_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SPRAYER, HOLDER_ADDRESS = "10.0.0.66", "203.0.113.5"
START = dt.datetime(2026, 12, 10, 1, 0, tzinfo=dt.UTC)  # an hour's window starts: 60 minutes to wait
SPRAYED_PASSWORD = "Niigata-2026!"
ADDRESS_LOCKED = (
    "この接続元から多くのIDに誤ったパスワードが送られたため、この接続元からのログインを一時的に停止しました。"
)

CSRF_TOKEN = re.compile(r'(?<=X-CSRFToken": ")[^"]+|(?<=name="csrfmiddlewaretoken" value=")[^"]+')


def admin_page() -> LoginPage:
    UserFactory(username="root", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    return LoginPage("/admin/login/", "root", DESK_PASSWORD)


LOGIN_PAGES = {**PAGES, "admin": admin_page}


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(START, tick=False)


def spray(client, page: LoginPage, ids: int, first: int = 0, **headers: str) -> list[int]:
    """One password on ``ids`` IDs nobody holds, from the sprayer; the status code of each attempt."""
    codes = []
    for number in range(first, first + ids):
        client.logout()
        body = {"username": f"sprayed.{number:03d}", "password": SPRAYED_PASSWORD}
        codes.append(client.post(page.url, body, REMOTE_ADDR=SPRAYER, **headers).status_code)
    return codes


def page_text(response) -> str:
    """The answer without its CSRF token (masked afresh in every response)."""
    return CSRF_TOKEN.sub("", response.content.decode())


def signed_in_users() -> list[str]:
    return sorted(str(s.get_decoded().get("_auth_user_id")) for s in Session.objects.all())


def account_state(username: str) -> tuple:
    user = User.objects.get(username=username)
    return (
        user.password,
        user.last_login,
        user.is_active,
        AccessAttempt.objects.filter(username=username).count(),
        LoginIdLock.objects.filter(username=username).count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("name", "allowance", "ids"),
    [
        ("my-page", None, 101),  # the default allowance, 100
        ("desk", 3, 4),  # the other pages with a small one, to keep the suite fast
        ("admin", 3, 4),
    ],
)
def test_an_address_that_sprayed_a_password_on_many_ids_is_refused_even_the_right_password(
    client, settings, name, allowance, ids
):
    # given: a real account, untouched
    if allowance is not None:
        settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = allowance
    page = LOGIN_PAGES[name]()
    before = account_state(page.username)

    # when: one address tries one password on many IDs, then the right password of the real one
    codes = spray(client, page, ids=ids)
    wrong = login(client, page, SPRAYER, password="wrong-guess")
    right = login(client, page, SPRAYER)

    # then: the last failure the allowance admits used up the hour; after it nothing is checked, so
    # the right password gets exactly the answer a wrong one gets, and no session is opened
    assert codes == [200] * (ids - 2) + [429, 429]
    assert (right.status_code, right["Retry-After"]) == (429, str(60 * 60))
    assert ADDRESS_LOCKED in right.content.decode()
    assert "60分ほど待ってから、もう一度ログインしてください。" in right.content.decode()
    assert page_text(right) == page_text(wrong)
    assert not signed_in(right)
    assert signed_in_users() == []
    # nothing about the real account changed, and no ID's count grew past the 100 counted failures
    assert account_state(page.username) == before
    assert AccessAttempt.objects.filter(ip_address=SPRAYER).count() == ids - 1

    # and the holder, from another address, signs in
    holder = login(client, page, HOLDER_ADDRESS)
    assert signed_in(holder)
    assert signed_in_users() == [str(User.objects.get(username=page.username).pk)]


def test_the_address_lock_ends_with_the_hour_however_often_it_is_tried(client, settings, time_machine):
    # given: an address past a small allowance, still trying through the hour (refused, not counted)
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    page = PAGES["my-page"]()
    spray(client, page, ids=3)
    time_machine.move_to(START + dt.timedelta(minutes=59), tick=False)
    late = spray(client, page, ids=20, first=3)
    assert late == [429] * 20

    # when: the hour is over
    time_machine.move_to(START + dt.timedelta(hours=1), tick=False)
    after = login(client, page, SPRAYER)

    # then: the address may try again
    assert signed_in(after)


def test_a_sprayers_own_forwarded_for_header_buys_no_fresh_allowance(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    page = PAGES["desk"]()

    codes = [spray(client, page, ids=1, first=n, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")[0] for n in range(5)]
    right = login(client, page, SPRAYER)

    assert codes == [200, 200, 429, 429, 429]
    assert right.status_code == 429
    assert signed_in_users() == []


def test_successful_logins_from_a_shared_office_address_do_not_count(client, settings):
    # given: a small allowance; the office's staff sign in many times, with two typos among them
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 3
    page = PAGES["desk"]()
    for _ in range(5):
        assert signed_in(login(client, page, SPRAYER))
    spray(client, page, ids=2)

    # when / then: the next sign-in still works
    assert signed_in(login(client, page, SPRAYER))
