"""Shared checks of the notifications tests."""

from __future__ import annotations

from django.db import connection


def tables_containing(text: str) -> list[str]:
    """Every table and column of the database whose value contains ``text`` (a full scan)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("utf-8", errors="replace")
                    if text in str(value):
                        found.append(f"{table}.{column}")
    return found
