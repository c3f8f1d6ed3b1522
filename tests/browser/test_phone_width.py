"""The forms site agents fill on a phone fit a 390 px screen: no sideways scrolling, user rows as
stacked cards."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from calsreg.directory.demo import load_demo_directory
from calsreg.records.services import Actor
from tests.accounts.helpers import PASSWORD, started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_apply_form_fits_a_390_px_phone(live_server, page, screenshot):
    load_demo_directory(actor=Actor.system())
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + "/apply/")
    page.select_option("#office", "1503")
    page.locator("#supervisor-choices input[type=checkbox]").first.wait_for()

    assert _page_width(page) <= 390
    # Each user row is a card: its inputs are stacked, each under a visible label.
    first_name = page.locator("#users-1-name").bounding_box()
    first_kana = page.locator("#users-1-kana").bounding_box()
    assert first_kana["y"] > first_name["y"] + first_name["height"] - 1
    assert page.get_by_text("フリガナ", exact=False).first.is_visible()
    screenshot(page, "apply-390")


def test_the_change_form_on_my_page_fits_a_390_px_phone(live_server, page, screenshot):
    with time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=True):
        project, accounts = started()
        tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
        tanaka.must_change_password = False
        tanaka.save(update_fields=["must_change_password"])
        page.set_viewport_size(PHONE)

        page.goto(live_server.url + "/mypage/login/")
        page.get_by_label("ID").fill(tanaka.username)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(re.compile(r"/mypage/$"))
        page.goto(live_server.url + f"/mypage/changes/{project.pk}/")

        assert _page_width(page) <= 390
        screenshot(page, "change-390")


def test_the_change_form_of_the_portal_fits_a_390_px_phone(live_server, page):
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + "/changes/")

    assert _page_width(page) <= 390
