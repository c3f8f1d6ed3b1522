"""The lock that keeps file deletions out of a running backup.

A backup holds it exclusively from before the database dump until its last file is copied; the
retention purge holds it shared around each transaction that deletes files (evidence past its
retention). So a purge that started first commits before the dump's snapshot (the dump shows the
row purged and the copy lacks the file: consistent), and one that starts later waits until the copy
is done (the dump shows the row with its file, and the copy has the file). Purges do not wait for one
another (shared), and two backups run one after the other.

PostgreSQL: a session-level advisory lock (every web and worker process on every machine sees it).
SQLite: an ``flock`` on a file beside the database (one machine, which is all SQLite allows).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

# Any fixed 64-bit number that no other advisory lock of this database uses ("calsbak").
ADVISORY_KEY = 0x63616C7362616B


@contextmanager
def backup_lock() -> Iterator[None]:
    """Held by a backup: waits for running purges to end, then keeps new ones waiting."""
    with _lock(shared=False):
        yield


@contextmanager
def file_deletion_lock() -> Iterator[None]:
    """Held around a transaction that deletes stored files: waits while a backup runs."""
    with _lock(shared=True):
        yield


@contextmanager
def _lock(*, shared: bool) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with _advisory_lock(shared=shared):
            yield
    else:
        with _file_lock(shared=shared):
            yield


@contextmanager
def _advisory_lock(*, shared: bool) -> Iterator[None]:
    suffix = "_shared" if shared else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_lock{suffix}(%s)", [ADVISORY_KEY])
    try:
        yield
    finally:
        # A session lock outlives transactions (commit or rollback): released here, explicitly.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_unlock{suffix}(%s)", [ADVISORY_KEY])


@contextmanager
def _file_lock(*, shared: bool) -> Iterator[None]:
    path = lock_file_path()
    if path is None:  # an in-memory database: no other process can back it up or purge it
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def lock_file_path() -> Path | None:
    name = str(connection.settings_dict["NAME"])
    if not name or ":memory:" in name or "mode=memory" in name:
        return None
    return Path(name).with_name(Path(name).name + ".backup-lock")
