"""Cheap password hashing for the whole suite.

Production's Argon2 (OWASP's argon2id parameters) costs ~25 ms of CPU per hash; a suite that registers
accounts and logs people in thousands of times would spend most of its time there. Every test gets
real Argon2id with small costs instead: the same algorithm name, so stored hashes look exactly like
production's. Tests that test hashing itself ask for ``production_password_hashing``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher


class CheapArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with small costs (production's are 19 MiB, t=2, p=1)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


# The client-secret hasher is production's own: it is cheap already (calsreg/sso/hashers.py).
CHEAP_HASHERS = ["tests.plugins.hashing.CheapArgon2PasswordHasher", "calsreg.sso.hashers.ClientSecretHasher"]


@pytest.fixture(autouse=True)
def _cheap_password_hashing(settings):
    settings.PASSWORD_HASHERS = CHEAP_HASHERS


@pytest.fixture
def production_password_hashing(settings):
    """The hashers of config/settings.py, for a test of hashing itself."""
    from config import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
