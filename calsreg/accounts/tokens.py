"""Secrets of API tokens: how they are made and how they are stored (a SHA-256 digest only).

Secrets come from core.secrets (256 random bits, stored as SHA-256 only).
"""

from __future__ import annotations

from calsreg.core.secrets import secret_generate, secret_hash

# Makes a leaked secret recognisable (secret scanners, logs): "calsreg API token".
SECRET_PREFIX = "csr_"  # noqa: S105 (a marker, not a secret)
# Characters kept in clear to tell tokens apart: the marker plus 6 of the random part.
DISPLAY_PREFIX_LENGTH = len(SECRET_PREFIX) + 6


def token_secret_generate() -> str:
    return secret_generate(prefix=SECRET_PREFIX)


def token_secret_hash(secret: str) -> str:
    return secret_hash(secret)


def token_display_prefix(secret: str) -> str:
    return secret[:DISPLAY_PREFIX_LENGTH]
