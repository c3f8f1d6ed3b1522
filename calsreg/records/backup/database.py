"""The database half of a backup: dump it (pg_dump or SQLite's online backup API), restore it
(pg_restore or the same API in reverse), tell whether a target is empty, and name its migrations."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from calsreg.core.errors import DomainError

POSTGRES_DUMP = "db.dump"
SQLITE_DUMP = "db.sqlite3"


class DatabaseToolFailed(DomainError):
    code = "database_tool_failed"


def dump_name() -> str:
    return POSTGRES_DUMP if connection.vendor == "postgresql" else SQLITE_DUMP


def dump_database(*, target: Path) -> None:
    """Write a consistent copy of the whole database to ``target`` (one snapshot)."""
    if connection.vendor == "postgresql":
        _run_tool("pg_dump", "--format=custom", "--no-password", f"--file={target}")
    else:
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            # One step (pages=-1): the whole file is copied under one read lock, so one snapshot.
            connection.connection.backup(destination, pages=-1)
        finally:
            destination.close()


def restore_database(*, dump: Path, replace: bool) -> None:
    """Load ``dump`` into the configured database; ``replace`` drops the objects the dump holds first."""
    if connection.vendor == "postgresql":
        clean = ["--clean", "--if-exists"] if replace else []
        # One transaction: a failure half-way leaves the target as it was.
        _run_tool("pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *clean, str(dump))
        return
    connection.close()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    target = sqlite3.connect(str(connection.settings_dict["NAME"]))
    try:
        source.backup(target, pages=-1)  # also right when the target is in WAL mode (unlike a file copy)
    finally:
        source.close()
        target.close()


def database_tables() -> list[str]:
    """The tables of the configured database (empty: nothing migrated, a restore may go there)."""
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def migration_heads() -> dict[str, str]:
    """The last migration applied of each app, to name what schema a dump holds."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    heads: dict[str, str] = {}
    for app_label, name in loader.applied_migrations:
        if name > heads.get(app_label, ""):
            heads[app_label] = name
    return dict(sorted(heads.items()))


def _run_tool(tool: str, *arguments: str) -> None:
    data = connection.settings_dict
    # Connection parameters through the environment: a password never shows in the process list.
    environment = {
        **os.environ,
        "PGDATABASE": str(data["NAME"]),
        "PGUSER": str(data.get("USER") or ""),
        "PGPASSWORD": str(data.get("PASSWORD") or ""),
        "PGHOST": str(data.get("HOST") or ""),
        "PGPORT": str(data.get("PORT") or ""),
    }
    if sslmode := (data.get("OPTIONS") or {}).get("sslmode"):
        environment["PGSSLMODE"] = str(sslmode)
    environment = {
        key: value for key, value in environment.items() if value != "" or not key.startswith("PG")
    }
    executable = _tool_path(tool)
    command = [executable, *arguments]
    if tool == "pg_restore":
        command.insert(1, f"--dbname={data['NAME']}")
    # The command is ours (a fixed tool and fixed flags); only the connection settings vary.
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise DatabaseToolFailed(
            _("%(tool)s が失敗しました（終了コード %(code)s）: %(error)s")
            % {"tool": tool, "code": result.returncode, "error": result.stderr.strip()[-2000:]}
        )


def _tool_path(tool: str) -> str:
    folder = settings.BACKUP_PG_BIN_DIR
    found = str(Path(folder) / tool) if folder else shutil.which(tool)
    if not found or not Path(found).is_file():
        raise DatabaseToolFailed(
            _(
                "%(tool)s が見つかりません。PostgreSQL のクライアント（サーバーと同じか新しい版）を入れるか、"
                "CALSREG_PG_BIN_DIR にそのフォルダを指定してください。"
            )
            % {"tool": tool}
        )
    return found
