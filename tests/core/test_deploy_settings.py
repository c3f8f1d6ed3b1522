"""Safe defaults (issue 9): with debug off the settings refuse to load without a signing key of the
operator's own, and ``manage.py check --deploy`` fails on a key anybody can read in the repository.

The settings file is executed afresh per case (``runpy``) with the environment a case states; the
real commands run in a subprocess with a clean environment, as an operator would start them.
"""

from __future__ import annotations

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.core.helpers import load_settings, manage

DEVELOPMENT_KEY = "insecure-development-key-change-me-in-production-0123456789"
ENV_EXAMPLE_KEY = "change-me-to-a-long-random-string"


@pytest.mark.parametrize(
    "key",
    [None, "", "   ", DEVELOPMENT_KEY, ENV_EXAMPLE_KEY],
    ids=["unset", "empty", "blank", "development-key", "env-example-placeholder"],
)
def test_with_debug_off_the_settings_refuse_a_missing_or_known_key(monkeypatch, key):
    env = {"CALSREG_DEBUG": "0"} if key is None else {"CALSREG_DEBUG": "0", "CALSREG_SECRET_KEY": key}

    with pytest.raises(ImproperlyConfigured, match="CALSREG_SECRET_KEY must be set"):
        load_settings(monkeypatch, **env)


def test_with_debug_off_the_settings_take_the_operators_key(monkeypatch):
    key = secrets.token_urlsafe(50)

    loaded = load_settings(monkeypatch, CALSREG_SECRET_KEY=key)

    assert (loaded["DEBUG"], loaded["SECRET_KEY"]) == (False, key)


def test_with_debug_on_a_laptop_falls_back_to_the_development_key(monkeypatch):
    loaded = load_settings(monkeypatch, CALSREG_DEBUG="1")

    assert (loaded["DEBUG"], loaded["SECRET_KEY"]) == (True, DEVELOPMENT_KEY)


def test_a_server_started_without_a_key_refuses_to_start():
    result = manage("check")

    assert result.returncode == 1
    assert "ImproperlyConfigured: CALSREG_SECRET_KEY must be set" in result.stderr
    assert "System check identified no issues" not in result.stdout


def test_check_deploy_fails_on_the_development_key():
    result = manage("check", "--deploy", CALSREG_DEBUG="1")

    assert result.returncode == 1
    assert "(calsreg.E001) SECRET_KEY is the development key from the repository." in result.stderr
