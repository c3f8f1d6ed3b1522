"""A help-desk operator follows a suspended project from the queue to its page and on to a locked-out
member's account page, at desktop and at phone width, under the CSP."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import Page

from calsreg.accounts.models import LoginIdLock, Role
from calsreg.billing.services import billing_suspension_sweep
from tests.billing.dunning_helpers import posted_invoice
from tests.billing.invoice_helpers import jst
from tests.desk.sso_helpers import party, sign_in
from tests.factories import UserFactory
from tests.plugins.browser import follow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"
PHONE = {"width": 390, "height": 844}
VIEW_AT = jst(2027, 2, 3, 9)


def _page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_operator_finds_why_a_project_is_suspended_and_who_is_locked_out(page: Page, live_server, screenshot):
    project, invoice = posted_invoice()
    with time_machine.travel(jst(2027, 2, 2, 3), tick=False):
        assert billing_suspension_sweep() == 1
    agent = project.memberships.get(role="site_agent").user
    sign_in(party().application, agent, at=jst(2027, 1, 20, 9))
    LoginIdLock.objects.create(
        username=agent.username,
        failures=20,
        window_started_at=VIEW_AT - dt.timedelta(minutes=10),
        locked_at=VIEW_AT - dt.timedelta(minutes=5),
        locked_until=VIEW_AT + dt.timedelta(minutes=25),
    )
    UserFactory(role=Role.HELP_DESK, username="helpdesk1", display_name="受付 花子")

    with time_machine.travel(VIEW_AT, tick=True):  # the live server's thread reads the same clock
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server.url}/desk/")
        page.fill("#id_username", "helpdesk1")
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="ログイン").click()

        row = page.locator("tr", has_text=project.project_number)
        assert row.locator(".badge.project-suspended").inner_text() == "利用停止中"
        row.get_by_role("link", name=project.project_number).click()

        assert "2027年2月2日(火) 03:00から利用停止中です。" in page.content()
        assert f"請求書 {invoice.number} が支払期限" in page.content()
        assert f"{invoice.total:,}" not in page.content()  # the help desk sees no amounts
        screenshot(page, "desk-project")
        page.set_viewport_size(PHONE)
        assert _page_width(page) <= 390
        screenshot(page, "desk-project-390")

        follow(page.get_by_role("link", name=agent.username).first)
        assert "ログイン停止中（2027年2月3日(水) 09:25まで）" in page.content()
        assert "パスワード通知メール" in page.content()
        assert _page_width(page) <= 390
        page.set_viewport_size({"width": 1280, "height": 900})
        screenshot(page, "desk-account")
