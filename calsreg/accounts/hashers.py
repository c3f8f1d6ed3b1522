"""How passwords are stored: Argon2id at OWASP's recommended parameters (docs/decisions/0005).

Django's own Argon2 defaults (100 MiB, t=2, p=8) cost ~0.2 s of CPU per hash on the 2-core machines
calsreg runs on, and a registration hashes five passwords. OWASP's Password Storage Cheat Sheet
recommends argon2id with 19 MiB, t=2, p=1 as the minimum configuration; that is what is used here.
The algorithm name stays Django's ("argon2"), so a hash stored with the old parameters is still
verified by this hasher and ``must_update`` re-hashes it with these at the holder's next sign-in.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id, m=19 MiB, t=2, p=1 (OWASP Password Storage Cheat Sheet)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
