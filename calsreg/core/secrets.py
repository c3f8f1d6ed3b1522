"""One-time secrets (link tokens): made with ``secrets``, stored only as a SHA-256 digest.

A secret of 256 random bits needs no salt: there is nothing to guess by dictionary, and the digest
is found by an exact match on a unique column.
"""

from __future__ import annotations

import hashlib
import secrets

SECRET_RANDOM_BYTES = 32


def secret_generate(*, prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(SECRET_RANDOM_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
