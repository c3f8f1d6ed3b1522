"""Pages work under the Content-Security-Policy (issue 9) in a real browser: the behaviour moved out of
inline scripts still runs, and Swagger UI renders. The ``page`` fixture fails any test whose pages
broke the policy."""

from __future__ import annotations

import pytest

from calsreg.directory.demo import load_demo_directory
from calsreg.records.services import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_web_form_moves_the_focus_to_its_error_summary(live_server, page):
    load_demo_directory(actor=Actor.system())
    page.goto(live_server.url + "/apply/")

    page.get_by_role("button", name="入力内容を確認する").click()
    page.locator("#error-summary").wait_for()

    assert page.evaluate("document.activeElement.id") == "error-summary"


def test_the_api_docs_render_under_the_policy(live_server, page):
    response = page.goto(live_server.url + "/api/docs")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10


def test_an_injected_inline_script_is_refused_and_reported(live_server, page, csp_violations):
    page.goto(live_server.url + "/")

    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; "
        "document.body.append(s); }"
    )

    assert page.evaluate("window.ran === undefined")
    page.evaluate("0")
    assert [text.split(" in ")[0] for text in csp_violations] == ["script-src-elem blocked inline"]
    csp_violations.clear()  # expected here; any other test fails on one
