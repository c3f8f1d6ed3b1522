"""Headless Chromium (Debian's package) driven by Playwright, for the browser journeys.

Locally the browser tests skip, saying why, when Chromium is not installed; in CI (CI=true) a missing
browser is a failure, never a skip. Every browser test fails if a page it opened broke the
Content-Security-Policy (an inline script or style the policy blocked), so the journeys prove the
pages still work under it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CALSREG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Reports each CSP violation of any page of the context to Python (init scripts are not subject to it).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolation(
  `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.sourceFile}:${event.lineNumber}`
));
"""
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def follow(locator) -> None:
    """Click a link or a form's button and wait for the page it leads to.

    ``click()`` returns once the click is dispatched; reading ``page.content()`` straight after it can
    catch the old page or the blank moment in between (seen on a loaded machine), so every click that
    navigates and is read back goes through here.
    """
    with locator.page.expect_navigation():
        locator.click()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", action="store_true", help="write docs/screenshots/*.png")


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture
def csp_violations() -> list[str]:
    """The CSP violations the ``page`` fixture's pages reported; a test expecting some clears them."""
    return []


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch, csp_violations: list[str]) -> Iterator[object]:
    """A page in a Chromium of its own, started and closed with the test.

    Playwright's sync API runs an asyncio loop in the main thread while it is open; Django then
    refuses ORM calls from that thread. So the browser lives only as long as one test (a loop left
    running would break every later test), and the test may use the ORM meanwhile.
    """
    if not _chromium_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: CI must run the browser tests")
        pytest.skip(f"browser test skipped: Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        context.expose_binding("__cspViolation", lambda _source, text: csp_violations.append(text))
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
            if not page.is_closed():
                page.evaluate("0")  # lets a violation reported by the last action arrive
        finally:
            context.close()
            browser.close()
    if csp_violations:
        pytest.fail("the pages broke the Content-Security-Policy:\n" + "\n".join(csp_violations))


@pytest.fixture
def screenshot(request: pytest.FixtureRequest):
    """``screenshot(page, "name")`` saves docs/screenshots/name.png when run with --screenshots."""

    def take(page, name: str) -> None:
        if request.config.getoption("--screenshots"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take
