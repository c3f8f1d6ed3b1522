"""«ログインできません»: a holder locks their ID with wrong passwords on my page, the help desk lifts
the lock behind its confirmation, and the holder signs in — in a real browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from calsreg.accounts.models import Role, User
from calsreg.records.models import AuditEvent
from tests.factories import UserFactory
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK_PASSWORD = "correct-horse-battery-staple"
LOCKED = "パスワードを5回続けて間違えたため"


def _my_page_login(page, base: str, password: str) -> None:
    page.goto(base + "/mypage/login/")
    page.get_by_label("ID").fill(ACCOUNT_ID)
    page.get_by_label("パスワード", exact=True).fill(password)
    page.get_by_role("button", name="ログイン").click()


def test_the_desk_lifts_a_lockout_and_the_holder_signs_in(live_server, page, screenshot):
    with time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=True):
        holder = make_account()
        UserFactory(username="uketsuke", role=Role.HELP_DESK)
        base = live_server.url

        # given: five wrong passwords lock the ID from this browser's address; the right one is refused
        for _ in range(5):
            _my_page_login(page, base, "wrong-guess")
        _my_page_login(page, base, PASSWORD)
        assert LOCKED in page.get_by_role("alert").inner_text()

        # when: the help desk opens the account's unlock confirmation and confirms
        page.goto(base + "/desk/login/")
        page.fill("#id_username", "uketsuke")
        page.fill("#id_password", DESK_PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.goto(f"{base}/desk/accounts/{holder.pk}/unlock/")
        assert "このIDのログイン停止（接続元ごと・ID全体）をすべて解除します。" in page.content()
        screenshot(page, "desk-account-unlock")
        page.get_by_role("button", name="解除する").click()
        page.wait_for_url(re.compile(rf"/desk/accounts/{holder.pk}/$"))
        assert "ログイン停止を解除しました。" in page.content()
        page.context.clear_cookies()

        # then: the holder signs in with their password
        _my_page_login(page, base, PASSWORD)
        page.wait_for_url(re.compile(r"/mypage/$"))
        assert page.locator(".account-id").inner_text() == ACCOUNT_ID
    assert AuditEvent.objects.filter(action="account.login_locks_lifted", subject_id=holder.pk).count() == 1
    assert User.objects.get(pk=holder.pk).check_password(PASSWORD)
