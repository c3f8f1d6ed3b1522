"""How relying parties' client secrets are stored: salted PBKDF2-SHA256 with one iteration.

django-oauth-toolkit hashes a client secret with ``CLIENT_SECRET_HASHER``, by default Django's first
password hasher — production's Argon2id, ~0.2 s of CPU at every code exchange and refresh of a
confidential party (bench/README.md, "sso": ~4 token requests per CPU-second). Stretching protects
guessable secrets, and these are not guessable: calsreg generates every one (128 characters from
DOT's generator, ~760 bits), none is ever chosen by a person. A stolen hash of such a secret is as
hard to reverse with one iteration as with a million, so the cost buys nothing here.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    """Only for generated client secrets (``OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"]``), never for
    passwords: listed after the password hashers, so ``make_password`` never picks it by default."""

    algorithm = "calsreg_client_secret"
    iterations = 1
