"""Secrets of API tokens: how they are made and how they are stored (a SHA-256 digest only).

A secret has 256 bits of randomness, so a plain (unsalted) SHA-256 is enough to store it: there is
nothing to guess by dictionary, and the digest is looked up by an exact match on a unique column.
"""

from __future__ import annotations

import hashlib
import secrets

# Makes a leaked secret recognisable (secret scanners, logs): "calsreg API token".
SECRET_PREFIX = "csr_"  # noqa: S105 (a marker, not a secret)
SECRET_RANDOM_BYTES = 32
# Characters kept in clear to tell tokens apart: the marker plus 6 of the random part.
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 6


def token_secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(SECRET_RANDOM_BYTES)


def token_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_display_prefix(secret: str) -> str:
    return secret[:DISPLAY_PREFIX_LENGTH]
