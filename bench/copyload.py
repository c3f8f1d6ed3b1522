"""Rows straight into PostgreSQL with ``COPY … FROM STDIN``: a million applications in minutes.

``bulk_create`` builds one INSERT per batch and has PostgreSQL parse and plan it; ``COPY`` streams
rows and is several times faster. The rows are the same model instances the generator builds for
``bulk_create`` (so the data stays realistic, and a column another change adds with a Python default
is filled in too), turned into tuples with only the conversions that need Django: ``auto_now`` /
``auto_now_add`` timestamps (``pre_save``) and JSON (``get_db_prep_save``). Primary keys are given
by the caller (``ids_reserve``) so that child rows can refer to them before they are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from calsreg.core.text_search import SearchTextField

_PRE_SAVE = (models.DateTimeField, models.DateField)


def copy_supported() -> bool:
    return connection.vendor == "postgresql"


def ids_reserve(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive primary keys nobody else will take (moves the sequence)."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_get_serial_sequence(%s, %s), COALESCE(MAX({connection.ops.quote_name(column)}), 0) "
            f"FROM {table}",
            [model._meta.db_table, column],
        )
        sequence, highest = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = max(int(cursor.fetchone()[0]), int(highest) + 1)
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def copy_rows(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """Write ``objects`` (all with or all without a primary key) with one COPY; return how many."""
    objects = list(objects)
    if not objects:
        return 0
    with_pk = objects[0].pk is not None
    fields = [
        f
        for f in model._meta.concrete_fields
        if (with_pk or not f.primary_key) and not getattr(f, "generated", False)  # computed by the database
    ]
    converters = [_converter(field) for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row([convert(obj) for convert in converters])
    return len(objects)


def copy_update(model: type[models.Model], objects: Iterable[models.Model], field_names: list[str]) -> int:
    """``bulk_update`` through a COPY into a scratch table and one ``UPDATE … FROM``: a CASE per
    batch of 1,000 rows is what makes ``bulk_update`` slow at 100,000."""
    objects = list(objects)
    if not objects:
        return 0
    fields = [model._meta.pk, *(model._meta.get_field(name) for name in field_names)]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in fields]
    converters = [_converter(field) for field in fields]
    with connection.cursor() as cursor:
        # The columns' types without their constraints (the other columns stay as they are).
        cursor.execute(
            f"CREATE TEMP TABLE bench_update AS SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        try:
            with cursor.cursor.copy(f"COPY bench_update ({', '.join(columns)}) FROM STDIN") as copy:
                for obj in objects:
                    copy.write_row([convert(obj) for convert in converters])
            assignments = ", ".join(f"{column} = bench_update.{column}" for column in columns[1:])
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM bench_update "
                f"WHERE {table}.{columns[0]} = bench_update.{columns[0]}"
            )
        finally:
            cursor.execute("DROP TABLE bench_update")
    return len(objects)


def _converter(field: models.Field) -> Any:
    attname = field.attname
    if isinstance(field, SearchTextField):  # derived from its sources, as save() would
        return lambda obj: field.pre_save(obj, True)
    if isinstance(field, _PRE_SAVE) and (getattr(field, "auto_now", False) or field.auto_now_add):
        return lambda obj: field.pre_save(obj, True)
    if isinstance(field, models.JSONField):
        return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)
    return lambda obj: getattr(obj, attname)
