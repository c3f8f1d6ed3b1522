"""Databases kept side by side, one per data set, and switching Django's connection between them.

Each size is populated once into a database of its own (PostgreSQL: ``CREATE DATABASE bench_<name>
TEMPLATE <the migrated database>`` in the same cluster; SQLite: a copy of the migrated file), and
measurements then move between them (``use``) without reloading anything. Switching closes the
default connection, points it at the other database and clears the caches, so no cached figure
of one data set is served on another.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.cache import caches
from django.core.management import call_command
from django.db import connection


class SideBySide:
    def __init__(self) -> None:
        self.original = connection.settings_dict["NAME"]
        self.names: dict[str, str] = {}  # data set → database name (or SQLite path)
        self.current: str | None = None

    def template(self) -> None:
        """Migrate the original database: every data set starts as a copy of it."""
        call_command("migrate", interactive=False, verbosity=0)

    def create(self, dataset: str) -> None:
        """A fresh database for ``dataset``, copied from the migrated original, and switch to it."""
        self._point(self.original)
        connection.close()
        if connection.vendor == "postgresql":
            name = f"{self.original}_{dataset}"
            self._admin_sql(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
            self._admin_sql(
                f"CREATE DATABASE {connection.ops.quote_name(name)} "
                f"TEMPLATE {connection.ops.quote_name(self.original)}"
            )
        else:
            name = str(Path(self.original).with_name(f"bench_{dataset}.sqlite3"))
            shutil.copyfile(self.original, name)
        self.names[dataset] = name
        self.use(dataset)

    def use(self, dataset: str) -> None:
        if self.current == dataset:
            return
        self._point(self.names[dataset])
        for cache in caches.all():
            cache.clear()
        self.current = dataset

    def drop_all(self) -> None:
        """Remove the copies and point back at the original database."""
        self._point(self.original)
        connection.close()
        for name in self.names.values():
            if connection.vendor == "postgresql":
                self._admin_sql(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
            else:
                Path(name).unlink(missing_ok=True)
        self.names.clear()
        self.current = None

    def _point(self, name: str) -> None:
        connection.close()
        connection.settings_dict["NAME"] = name

    def _admin_sql(self, sql: str) -> None:
        """CREATE/DROP DATABASE from the maintenance database: a template may have no sessions."""
        connection.close()
        connection.settings_dict["NAME"] = "postgres"
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()
