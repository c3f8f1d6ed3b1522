"""An administrator registers a relying party at phone width, copies its secret from the one page
that shows it, and opens the party's delivery log and an account's timeline — all under the CSP."""

from __future__ import annotations

import os

import pytest
import time_machine
from oauth2_provider.models import Application
from playwright.sync_api import Page

from calsreg.accounts.models import Role
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, started
from tests.desk.sso_helpers import logout, sign_in
from tests.factories import UserFactory
from tests.plugins.browser import follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
PHONE = {"width": 390, "height": 844}


def _snap(page: Page, name: str) -> None:
    folder = os.environ.get("CALSREG_SSO_SNAPSHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


@time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True)  # the live server's thread reads the same clock
def test_administrator_registers_a_party_and_follows_its_deliveries_at_phone_width(page: Page, live_server):
    UserFactory(role=Role.ADMINISTRATOR, username="admin1")
    _project, accounts = started()
    holder = accounts[0]
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/desk/sso/register/")
    page.fill("#id_username", "admin1")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("button", name="登録する").click()
    assert page.locator("#error-summary").is_visible()
    _snap(page, "register-errors")
    page.fill("#id_name", "電子納品システム")
    page.fill("#id_redirect_uris", "https://nohin.example.jp/oidc/callback")
    page.fill("#id_backchannel_logout_uri", "https://nohin.example.jp/oidc/backchannel-logout")
    page.fill("#id_webhook_url", "https://nohin.example.jp/hooks")
    page.get_by_role("button", name="登録する").click()
    secret = page.locator("code.secret").first.inner_text()
    assert len(secret) > 20
    _snap(page, "registered")

    follow(page.get_by_role("link", name="控えたので連携先の画面へ"))
    assert secret not in page.content()
    application = Application.objects.get(name="電子納品システム")
    logout(application, holder)
    sign_in(application, holder)
    page.reload()
    follow(page.get_by_role("button", name="選んだ送信失敗を再送する…"))
    assert "再送する送信を1件以上選んでください。" in page.content()
    page.locator('input[name="deliveries"]').first.check()
    page.get_by_role("button", name="選んだ送信失敗を再送する…").click()
    _snap(page, "resend-confirm")
    follow(page.get_by_role("button", name="再送する"))
    assert "1件を送信待ちに戻しました" in page.content()
    _snap(page, "party")

    follow(page.get_by_role("link", name=holder.username).first)
    assert "電子納品システム にサインイン" in page.content()
    _snap(page, "account")
    page.goto(f"{live_server.url}/desk/sso/")
    _snap(page, "parties")
