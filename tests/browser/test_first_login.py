"""An account holder's first login in a real browser: forced password change, then my page."""

from __future__ import annotations

import re

import pytest

from calsreg.accounts.models import User
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Echigo-Heiya-Rice-77"


def test_first_login_forces_a_password_change_then_shows_the_project(live_server, page, screenshot):
    make_account(must_change_password=True)

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="ログイン").click()
    page.wait_for_url(re.compile(r"/mypage/login/$"))
    page.get_by_label("ID").fill(ACCOUNT_ID)
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    # Before anything else the initial password must be replaced, whichever page is asked for.
    page.wait_for_url(re.compile(r"/mypage/password/$"))
    assert "パスワードの変更が必要です" in page.locator("#forced-change").inner_text()
    page.goto(live_server.url + "/mypage/")
    page.wait_for_url(re.compile(r"/mypage/password/$"))
    page.get_by_label("現在のパスワード").fill(PASSWORD)
    page.get_by_label("新しいパスワード", exact=True).fill("short")
    page.get_by_label("新しいパスワード（確認）").fill("short")
    page.get_by_role("button", name="パスワードを変更する").click()
    assert "このパスワードは短すぎます。" in page.locator("#id_new_password1-error").inner_text()
    screenshot(page, "mypage-password-change")

    page.get_by_label("現在のパスワード").fill(PASSWORD)
    page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("新しいパスワード（確認）").fill(NEW_PASSWORD)
    page.get_by_role("button", name="パスワードを変更する").click()

    page.wait_for_url(re.compile(r"/mypage/$"))
    assert page.locator("h1").inner_text() == "マイページ"
    assert page.get_by_role("row", name=re.compile("信濃川護岸設置工事")).is_visible()
    assert page.locator(".badge.project-active").inner_text() == "利用中"
    assert page.locator(".account-id").inner_text() == ACCOUNT_ID
    screenshot(page, "mypage")
    user = User.objects.get(username=ACCOUNT_ID)
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
