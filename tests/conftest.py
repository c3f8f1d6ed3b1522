"""Shared test configuration. Fixture modules live in tests/plugins/ and are registered here."""

pytest_plugins = [
    "tests.plugins.smtp",
]
