"""Shared test configuration. Fixture modules live in tests/plugins/ and are registered here."""

import pytest

pytest_plugins = [
    "tests.plugins.smtp",
    "tests.plugins.browser",
    "tests.plugins.hashing",
    "tests.plugins.clock",
    "tests.plugins.live_server_clients",
    "tests.plugins.ownership",
    "tests.plugins.processes",
    "tests.plugins.imap",
]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path_factory):
    """Evidence and other files written by a test go to its own folder, never to var/media."""
    location = tmp_path_factory.mktemp("media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location)},
        },
    }


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English (LocaleMiddleware activates the
    language for the thread and leaves it) must not turn the next test's messages English."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counters kept in the cache (the portal's per-address form limits) start at zero in each test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
