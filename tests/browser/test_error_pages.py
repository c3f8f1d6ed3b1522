"""The portal's error pages in a real browser: a form sent with an expired CSRF token comes back
with what was typed; an unknown address shows the portal's page."""

from __future__ import annotations

import pytest

from calsreg.directory.demo import load_demo_directory
from calsreg.records.services import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_form_sent_with_an_expired_token_comes_back_with_what_was_typed(live_server, page, screenshot):
    load_demo_directory(actor=Actor.system())
    page.goto(live_server.url + "/apply/")
    page.fill("#project_name", "信濃川右岸護岸設置工事")
    page.fill("#users-1-name", "田中 一郎")
    # The token of the open page no longer matches: as after signing in elsewhere or a cleared cookie.
    page.context.add_cookies([{"name": "csrftoken", "value": "a" * 32, "url": live_server.url}])

    page.get_by_role("button", name="入力内容を確認する").click()

    assert "安全のための確認の有効期限が切れていました" in page.locator(".messages").inner_text()
    assert page.locator("#project_name").input_value() == "信濃川右岸護岸設置工事"
    assert page.locator("#users-1-name").input_value() == "田中 一郎"
    screenshot(page, "csrf-failure-apply")


def test_an_unknown_address_shows_the_portal_s_404_page(live_server, page, screenshot):
    page.goto(live_server.url + "/no-such-page/")

    assert page.locator("h1").inner_text() == "ページが見つかりません"
    screenshot(page, "not-found")
