"""Which of a set of IDs are refused at sign-in now (the desk's login-lock view, for many IDs at
once): two queries whatever the number of IDs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from calsreg.accounts.lockout import id_locks, pair_cool_off, pair_locks


def locked_until(*, usernames: Collection[str], at: datetime) -> dict[str, datetime]:
    """ID → when its last lock ends, for the IDs locked at ``at`` (from one address or everywhere)."""
    until: dict[str, datetime] = {}
    for row in pair_locks(at=at, username__in=list(usernames)):
        end = row["last"] + pair_cool_off()
        until[row["username"]] = max(end, until.get(row["username"], end))
    for lock in id_locks(at=at, username__in=list(usernames)):
        if lock.locked_until:
            until[lock.username] = max(lock.locked_until, until.get(lock.username, lock.locked_until))
    return until
