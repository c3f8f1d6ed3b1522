"""Keyset pagination for the desk's long lists: newest / newer / older / oldest, never OFFSET.

A page starts after (or ends before) the row whose sort-key values the cursor carries, so each page
is one indexed range scan with LIMIT whatever its depth: the oldest page is the newest page's
reverse order, read with the same LIMIT and turned round in Python. The order must end in a unique
column (the id) so no two rows share a key, and every key column must be NOT NULL.

Cursors travel in the URL (``?after=…``, ``?before=…``, ``?page=last``), signed so a page is never
asked to parse a hand-made value; a bad or stale cursor gives the first page and ``cursor_invalid``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

T = TypeVar("T", bound=Model)

AFTER, BEFORE, PAGE = "after", "before", "page"
LAST = "last"
# Query parameters a page link replaces (the others: filters and sort, are kept as they are).
CURSOR_PARAMS = (AFTER, BEFORE, PAGE)


@dataclass(frozen=True)
class KeysetPage(Generic[T]):
    object_list: list[T]
    order: tuple[str, ...]
    salt: str
    has_newer: bool
    has_older: bool
    cursor_invalid: bool = False

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_newer or self.has_older

    @property
    def newer_cursor(self) -> str:
        return _cursor(self.object_list[0], self.order, self.salt) if self.object_list else ""

    @property
    def older_cursor(self) -> str:
        return _cursor(self.object_list[-1], self.order, self.salt) if self.object_list else ""


def keyset_page(
    queryset: QuerySet[T], *, order: Sequence[str], params: Mapping[str, str], size: int, salt: str
) -> KeysetPage[T]:
    """The page of ``queryset`` in ``order`` that the request's ``params`` point to (two queries at most).

    ``salt`` names the list and its order (e.g. ``"queue:-received"``): a cursor made for another list
    or sort is refused.
    """
    order = tuple(order)
    salt = f"calsreg.desk.paging:{salt}"
    page: dict[str, Any] = {"order": order, "salt": salt}
    if params.get(PAGE) == LAST:
        rows = list(queryset.order_by(*_reversed(order))[: size + 1])
        return KeysetPage(object_list=rows[:size][::-1], has_newer=len(rows) > size, has_older=False, **page)
    direction = AFTER if params.get(AFTER) else BEFORE if params.get(BEFORE) else ""
    if not direction:
        return _first(queryset, size=size, invalid=False, **page)
    values = _decode(params[direction], queryset, order, salt)
    if values is None:
        return _first(queryset, size=size, invalid=True, **page)
    if direction == AFTER:
        rows = list(queryset.filter(_beyond(order, values)).order_by(*order)[: size + 1])
        return KeysetPage(object_list=rows[:size], has_newer=True, has_older=len(rows) > size, **page)
    reverse = _reversed(order)
    rows = list(queryset.filter(_beyond(reverse, values)).order_by(*reverse)[: size + 1])
    if len(rows) < size:  # back at the start and rows left the list meanwhile: show a whole first page
        return _first(queryset, size=size, invalid=False, **page)
    return KeysetPage(object_list=rows[:size][::-1], has_newer=len(rows) > size, has_older=True, **page)


def _first(
    queryset: QuerySet[T], *, size: int, invalid: bool, order: tuple[str, ...], salt: str
) -> KeysetPage[T]:
    rows = list(queryset.order_by(*order)[: size + 1])
    return KeysetPage(
        object_list=rows[:size],
        order=order,
        salt=salt,
        has_newer=False,
        has_older=len(rows) > size,
        cursor_invalid=invalid,
    )


def _reversed(order: Sequence[str]) -> tuple[str, ...]:
    return tuple(key[1:] if key.startswith("-") else f"-{key}" for key in order)


def _beyond(order: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after ``values`` in ``order``: (k1 ≻ v1) or (k1 = v1 and k2 ≻ v2) or …

    The first key is also bounded (k1 ⪰ v1) so the database starts its index scan at the cursor.
    """
    names = [key.lstrip("-") for key in order]
    after = Q()
    for i, key in enumerate(order):
        step = Q(**{f"{names[i]}__{'lt' if key.startswith('-') else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{names[j]: values[j]})
        after |= step
    first = order[0]
    return Q(**{f"{names[0]}__{'lte' if first.startswith('-') else 'gte'}": values[0]}) & after


def _cursor(row: Model, order: Sequence[str], salt: str) -> str:
    values = []
    for key in order:
        value: Any = row
        for part in key.lstrip("-").split("__"):
            value = getattr(value, part)
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    return signing.dumps(values, salt=salt, compress=True)


def _decode(token: str, queryset: QuerySet[Any], order: Sequence[str], salt: str) -> list[Any] | None:
    """The cursor's key values, each parsed by its field (or its annotation's output field, for a key
    made NOT NULL by a Coalesce); None when it is not one of ours."""
    try:
        raw = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(raw, list) or len(raw) != len(order):
        return None
    values = []
    for key, value in zip(order, raw, strict=True):
        name = key.lstrip("-")
        annotation = queryset.query.annotations.get(name)
        field = annotation.output_field if annotation is not None else _field(queryset.model, name)
        try:
            parsed = field.to_python(value)
        except (ValidationError, TypeError, ValueError):
            return None
        if parsed is None:
            return None
        values.append(parsed)
    return values


def _field(model: type[Model], path: str) -> Any:
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    field: Any = model._meta.get_field(name)
    return field.target_field if field.is_relation else field


def capped_count(queryset: QuerySet[Any], *, cap: int) -> tuple[int, bool]:
    """How many rows ``queryset`` holds, counting at most ``cap`` + 1 of them, and whether there are
    more than ``cap`` (the page then says "more than"): the cost never grows with the table."""
    found = queryset.order_by()[: cap + 1].count()
    return min(found, cap), found > cap
