"""Accounts tests hash many passwords: real Argon2, with parameters cheap enough for a test run."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with small costs (production's are ~100 MiB and ~0.2 s per hash). Same algorithm
    name, so stored hashes look exactly like production's."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


@pytest.fixture(autouse=True)
def _cheap_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.conftest.CheapArgon2PasswordHasher"]
