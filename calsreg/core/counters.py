"""Gap-free counters (receipt numbers, change-request numbers, invoice numbers).

The counter row is incremented with an UPDATE, which holds its row lock until the surrounding
transaction commits, so two callers at once get consecutive values and a rolled-back caller gives
its value back. ``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35) takes the values in one round
trip, and ``count`` takes a block of consecutive values at once.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction


def counter_take(*, counter_model: Any, key_field: str, key: int | str, count: int = 1) -> int:
    """Take ``count`` consecutive values of the counter row ``key``; returns the last one taken
    (the block is ``last - count + 1`` … ``last``). Creates the row at 0 the first time."""
    if count < 1:
        raise ValueError("count must be at least 1")
    table = connection.ops.quote_name(counter_model._meta.db_table)
    key_column = connection.ops.quote_name(counter_model._meta.get_field(key_field).column)
    sql = f"UPDATE {table} SET last = last + %s WHERE {key_column} = %s RETURNING last"  # noqa: S608
    for _attempt in range(3):
        with connection.cursor() as cursor:
            cursor.execute(sql, [count, key])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():  # savepoint: a concurrent first-of-year insert may win
                counter_model.objects.create(**{key_field: key, "last": 0})
        except IntegrityError:
            pass
    raise RuntimeError(f"could not allocate a number from {counter_model.__name__}")


def yearly_counter_next(*, counter_model: Any, year: int) -> int:
    """``counter_model`` has ``year`` (primary key) and ``last``."""
    return counter_take(counter_model=counter_model, key_field="year", key=year)
