"""Safe defaults (issue 9): every page carries the Content-Security-Policy; with the HTTPS setting,
Strict-Transport-Security and a redirect of plain HTTP; no template holds what the policy forbids."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse

from calsreg.accounts.models import Role
from tests.core.helpers import ROOT, load_settings, manage
from tests.factories import UserFactory
from tests.portal.test_mypage import ACCOUNT_ID, PASSWORD, make_account

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS = "max-age=31536000; includeSubDomains"
# A day the account holder's project is in use (make_account's project runs 2026-12-01 to 2027-03-19).
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW):
        yield


def _policy(header: str | None) -> dict[str, str] | None:
    """``"a x; b y"`` → ``{"a": "x", "b": "y"}`` (django-csp does not keep the directives' order)."""
    if header is None:
        return None
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def _pages(client) -> dict[str, object]:
    """The main pages, each as its usual visitor sees it."""
    responses = {
        "portal top": client.get(reverse("portal:top"), secure=True),
        "apply form": client.get(reverse("portal:apply"), secure=True),
        "desk login": client.get(reverse("desk:login"), secure=True),
        "API docs": client.get("/api/docs", secure=True),
    }
    client.force_login(UserFactory(role=Role.HELP_DESK))
    responses["desk queue"] = client.get(reverse("desk:queue"), secure=True)
    client.logout()
    make_account()
    client.post(reverse("portal:login"), {"username": ACCOUNT_ID, "password": PASSWORD}, secure=True)
    responses["my page"] = client.get(reverse("portal:mypage"), secure=True)
    return responses


@pytest.mark.django_db
def test_every_main_page_carries_the_content_security_policy(client):
    pages = _pages(client)

    assert {name: response.status_code for name, response in pages.items()} == dict.fromkeys(pages, 200)
    policies = {
        name: _policy(response.headers.get("Content-Security-Policy")) for name, response in pages.items()
    }
    assert policies == dict.fromkeys(pages, POLICY)


@pytest.mark.django_db
def test_without_the_https_setting_no_page_claims_hsts(client):
    pages = _pages(client)

    assert [name for name, response in pages.items() if "Strict-Transport-Security" in response.headers] == []


@pytest.mark.django_db
def test_with_the_https_setting_every_main_page_carries_hsts(client, settings):
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = True

    pages = _pages(client)

    assert {name: response.headers.get("Strict-Transport-Security") for name, response in pages.items()} == (
        dict.fromkeys(pages, HSTS)
    )


@pytest.mark.django_db
def test_with_the_https_setting_plain_http_is_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(reverse("desk:login"))

    assert (response.status_code, response["Location"]) == (301, "https://testserver/desk/login/")


def test_the_https_setting_turns_on_secure_cookies_hsts_and_the_redirect(monkeypatch):
    loaded = load_settings(monkeypatch, CALSREG_SECRET_KEY="k" * 60, CALSREG_SECURE_COOKIES="1")

    assert (loaded["SESSION_COOKIE_SECURE"], loaded["CSRF_COOKIE_SECURE"], loaded["SECURE_SSL_REDIRECT"]) == (
        True,
        True,
        True,
    )
    assert (loaded["SECURE_HSTS_SECONDS"], loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (31536000, True)
    assert "SECURE_PROXY_SSL_HEADER" not in loaded  # trusted only when said so


def test_the_proxy_header_is_trusted_only_when_configured(monkeypatch):
    loaded = load_settings(
        monkeypatch, CALSREG_SECRET_KEY="k" * 60, CALSREG_SECURE_COOKIES="1", CALSREG_PROXY_SSL_HEADER="1"
    )

    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_without_the_https_setting_there_is_no_hsts_and_no_redirect(monkeypatch):
    loaded = load_settings(monkeypatch, CALSREG_SECRET_KEY="k" * 60)

    assert (
        loaded["SECURE_HSTS_SECONDS"],
        loaded["SECURE_SSL_REDIRECT"],
        loaded["SESSION_COOKIE_SECURE"],
    ) == (
        0,
        False,
        False,
    )


def test_a_production_configuration_passes_check_deploy_without_security_warnings():
    result = manage(
        "check",
        "--deploy",
        CALSREG_SECRET_KEY="Q9v" + "x7Rk2-mP4tZ8wN3bL6yH1cF5jD0sG" * 2,
        CALSREG_SECURE_COOKIES="1",
        CALSREG_EMAIL_BACKEND="smtp",
        CALSREG_ALLOWED_HOSTS="calsreg.example.jp",
        # The OpenID Connect signing key (tests/settings.py makes one for the run).
        CALSREG_OIDC_PRIVATE_KEY=os.environ["CALSREG_OIDC_PRIVATE_KEY"],
    )

    assert result.returncode == 0, result.stderr
    found = set(re.findall(r"\((\w+\.[WE]\d+)\)", result.stdout + result.stderr))
    # Only HSTS preloading is left to the operator (it is a commitment to the browsers' lists).
    assert found <= {"security.W021"}


# --- no template holds what the policy would have to allow --------------------------------------

FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def _templates() -> list[Path]:
    folders = [ROOT / "templates", *sorted((ROOT / "calsreg").glob("*/templates"))]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


def test_the_template_scan_finds_what_it_looks_for():
    samples = [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<span class="x" style="color: red">',
        "<style>p { color: red }</style>",
        '<a href="javascript:go()">',
    ]

    assert [name for sample in samples for name, rx in FORBIDDEN.items() if rx.search(sample)] == list(
        FORBIDDEN
    )
    assert not any(
        rx.search('<script src="/static/js/calsreg.js" defer></script>') for rx in FORBIDDEN.values()
    )


def test_no_template_has_inline_script_handlers_or_styles():
    templates = _templates()
    assert len(templates) > 100  # the scan really reads the project's templates

    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in templates
        for name, rx in FORBIDDEN.items()
        if rx.search(path.read_text(encoding="utf-8"))
    ]

    assert found == []


def test_the_static_script_is_what_base_html_loads():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")

    assert "{% static 'js/calsreg.js' %}" in base
    assert (ROOT / "static" / "js" / "calsreg.js").is_file()
    assert django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
