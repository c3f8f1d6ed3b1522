"""How account IDs and initial passwords are made. Pure functions; nothing here touches the database.

An account holder's ID has the seed's shape (step 2): a requested part of 3–10 half-width
alphanumerics, a dot, and 3 letters that the system — never the applicant — chooses so that IDs stay
unique. Both the suffix and the initial password are drawn with ``secrets`` from alphabets without
look-alike characters, because people read them from a mail and type them (or read them out on the
phone to the help desk).
"""

from __future__ import annotations

import re
import secrets
import string

# Lower-case letters without i, l and o (read as 1, 1/I and 0).
ID_SUFFIX_ALPHABET = "".join(c for c in string.ascii_lowercase if c not in "ilo")
ID_SUFFIX_LENGTH = 3
ID_PART_MIN_LENGTH = 3
ID_PART_MAX_LENGTH = 10
ACCOUNT_ID_RE = re.compile(r"^[a-z0-9]{3,10}\.[a-z]{3}$")

# Initial passwords: no 0/O/o, 1/l/I/i, and no j (read as i) — 54 characters, so 14 of them carry
# about 80 bits; at least one of each class so every common strength rule is met.
PASSWORD_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # noqa: S105 (an alphabet, not a password)
PASSWORD_LOWER = "abcdefghkmnpqrstuvwxyz"  # noqa: S105
PASSWORD_DIGITS = "23456789"  # noqa: S105
PASSWORD_ALPHABET = PASSWORD_UPPER + PASSWORD_LOWER + PASSWORD_DIGITS
INITIAL_PASSWORD_LENGTH = 14


def account_id_suffix() -> str:
    """Three random letters for the end of an ID (tests replace this to force collisions)."""
    return "".join(secrets.choice(ID_SUFFIX_ALPHABET) for _ in range(ID_SUFFIX_LENGTH))


def account_id_compose(*, requested: str, suffix: str) -> str:
    """``tanaka`` + ``xyz`` → ``tanaka.xyz``. The requested part is lower-cased (IDs are case-free)."""
    account_id = f"{requested.lower()}.{suffix}"
    if not ACCOUNT_ID_RE.match(account_id):
        raise ValueError(f"not an account ID: {account_id!r}")
    return account_id


def requested_part_for_email(email: str) -> str:
    """The requested part of a supervisor's ID, made from the local part of their directory address.

    Reduced to ``[a-z0-9]``, cut to 10 characters; a part shorter than 3 is padded with letters of
    "sup" (supervisor) so that every address yields a valid ID.
    """
    local = email.partition("@")[0].lower()
    part = re.sub(r"[^a-z0-9]", "", local)[:ID_PART_MAX_LENGTH]
    if len(part) < ID_PART_MIN_LENGTH:
        part = (part + "sup")[:ID_PART_MIN_LENGTH]
    return part


def requested_part_of(account_id: str) -> str:
    """``tanaka.xyz`` → ``tanaka`` (a staff username without a dot is returned whole)."""
    return account_id.partition(".")[0]


def initial_password_generate(*, length: int = INITIAL_PASSWORD_LENGTH) -> str:
    """A random password of ``length`` (≥ 12) characters with an upper, a lower and a digit."""
    if length < 12:
        raise ValueError("an initial password has at least 12 characters")
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c in PASSWORD_UPPER for c in password)
            and any(c in PASSWORD_LOWER for c in password)
            and any(c in PASSWORD_DIGITS for c in password)
        ):
            return password
