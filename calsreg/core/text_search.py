"""Free-text filters that find a part of a Japanese name, whatever its width or kana.

A model keeps a ``SearchTextField``: the searched fields folded by ``core.search_keys.search_text``,
computed in Python whenever the row is written (``Model.save`` with or without ``update_fields``
through ``SearchTextMixin``, and ``bulk_create``, which calls the field's ``pre_save``). Rows
written another way (a data migration, ``COPY``) are brought up to date by ``search_text_rebuild``.

``text_search_filter`` finds a part of it (``finds`` lookup):

- PostgreSQL: a GIN index on the array of the text's distinct bigrams (``calsreg_bigrams``, created
  by ``BIGRAMS_FUNCTION_SQL``) narrows the rows to those holding every bigram of what was typed, then
  ``LIKE`` keeps those where the bigrams are in a row (the exact part). One character has no bigram:
  it falls back to the ``LIKE`` alone. pg_trgm is not used: it skips CJK characters under the C
  locale, and a two-character word (護岸) has no trigram. See docs/decisions/0004.
- SQLite: the ``LIKE`` alone (no such index; the results are the same).

Wildcards in what was typed (``%``, ``_``, ``\\``) are escaped: they are looked for as characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Lookup

from calsreg.core.search_keys import search_text, search_text_key

BIGRAMS_FUNCTION = "calsreg_bigrams"
# IMMUTABLE so it can be indexed; not inlined (it has a FROM), so the planner sees the same call in
# the query as in the index. ``char_length`` counts characters (the database is UTF-8).
BIGRAMS_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION calsreg_bigrams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}'::text[])
    FROM generate_series(1, char_length(value) - 1) AS i
$$;
"""
BIGRAMS_FUNCTION_DROP_SQL = f"DROP FUNCTION IF EXISTS {BIGRAMS_FUNCTION}(text);"
REBUILD_BATCH = 2000


def bigram_index_sql(*, table: str, column: str, name: str) -> str:
    return f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({BIGRAMS_FUNCTION}({column}));"


class SearchTextField(models.TextField):
    """The folded text of ``sources`` (field names of the same model), kept current on every write."""

    derived_from_checked_fields = True  # core.models skips its refused-character check

    def __init__(self, *args: Any, sources: Iterable[str] = (), **kwargs: Any) -> None:
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        for key, value in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def value_for(self, instance: models.Model) -> str:
        return search_text(*(str(getattr(instance, source) or "") for source in self.sources))

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.value_for(model_instance)
        setattr(model_instance, self.attname, value)
        return value


class SearchTextMixin:
    """Adds a model's search text to ``save(update_fields=...)`` when one of its sources is saved."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = [
                field.name
                for field in self._meta.concrete_fields  # type: ignore[attr-defined]
                if isinstance(field, SearchTextField)
                and field.name not in update_fields
                and set(field.sources) & set(update_fields)
            ]
            kwargs["update_fields"] = [*update_fields, *extra]
        super().save(*args, **kwargs)  # type: ignore[misc]


@SearchTextField.register_lookup
class Finds(Lookup):
    """``search_text__finds=key``: the row's search text contains ``key`` (already folded)."""

    lookup_name = "finds"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        key = str(self.rhs)
        like = connection.operators["contains"] % "%s"
        sql = f"{lhs} {like}"
        params = [*lhs_params, f"%{connection.ops.prep_for_like_query(key)}%"]
        if connection.vendor == "postgresql" and len(key) >= 2:
            sql = f"{BIGRAMS_FUNCTION}({lhs}) @> {BIGRAMS_FUNCTION}(%s::text) AND {sql}"
            params = [*lhs_params, key, *params]
        return sql, params


def text_search_filter(queryset: models.QuerySet[Any], raw: str, *, field: str = "search_text") -> Any:
    """``queryset`` narrowed to rows whose search text contains what was typed; unchanged for blank text."""
    key = search_text_key(raw)
    if not key:
        return queryset
    return queryset.filter(**{f"{field}__finds": key})


def search_text_rebuild(queryset: models.QuerySet[Any], *, field: str = "search_text") -> int:
    """Recompute ``field`` on every row of ``queryset`` whose stored value is stale; returns how many."""
    search_field = queryset.model._meta.get_field(field)
    assert isinstance(search_field, SearchTextField)
    columns = ("pk", *search_field.sources, field)
    changed = 0
    batch: list[Any] = []
    for row in queryset.order_by("pk").values_list(*columns).iterator(chunk_size=REBUILD_BATCH):
        value = search_text(*(str(v or "") for v in row[1:-1]))
        if value != row[-1]:
            batch.append(queryset.model(pk=row[0], **{field: value}))
        if len(batch) >= REBUILD_BATCH:
            changed += _write(queryset, batch, field)
            batch = []
    return changed + _write(queryset, batch, field)


def _write(queryset: models.QuerySet[Any], batch: list[Any], field: str) -> int:
    if batch:
        queryset.model.objects.bulk_update(batch, [field], batch_size=REBUILD_BATCH)
    return len(batch)
