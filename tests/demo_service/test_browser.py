"""The demo walked in Chromium: a contractor signs in to the demo service through calsreg, sees the
project, and signs out there (RP-initiated logout at calsreg) — every page under its CSP."""

from __future__ import annotations

import re

import pytest

from tests.accounts.helpers import PASSWORD, started

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contractor_signs_in_to_the_demo_service_through_calsreg_and_out_again(service, page, screenshot):
    # given: a project in use; its site agent has a calsreg ID and password
    project, (tanaka, _suzuki, _supervisor) = started()
    tanaka.must_change_password = False
    tanaka.save(update_fields=["must_change_password"])

    # when: at the service, "calsregでログイン", then calsreg's login form
    page.goto(service.url + "/")
    page.get_by_role("button", name="calsregでログイン").click()
    page.wait_for_url(re.compile(r".*/mypage/login/.*"))
    page.fill("input[name=username]", tanaka.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(service.url + "/")

    # then: signed in there, with the project from the claims
    row = page.locator("tbody tr")
    assert row.count() == 1
    assert row.first.inner_text().split("\t")[:5] == [
        project.project_number,
        project.name,
        project.office.name,
        "現場代理人",
        "利用中",
    ]
    assert page.get_by_text(f"{tanaka.display_name}（{tanaka.username}）").is_visible()
    screenshot(page, "demo-service")

    # when: sign out, confirmed on calsreg's page
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(re.compile(r".*/oidc/logout/.*"))
    page.locator("main form button[type=submit]").first.click()

    # then: back at the service, signed out
    page.wait_for_url(service.url + "/")
    assert page.get_by_role("button", name="calsregでログイン").is_visible()
