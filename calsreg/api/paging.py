"""The one paging of every list endpoint: ``page`` and ``page_size`` in the query, and
``{"count", "page", "page_size", "items"}`` back, two queries whatever the data.

Absurd values are refused with 422 and a message naming the parameter, never clamped: a page below
1, a page past ``MAX_PAGE`` (``page=10**30`` used to reach the database as an OFFSET beyond 64 bits,
a 500 on SQLite and PostgreSQL), a page size outside 1..``MAX_PAGE_SIZE``. A page past the last one
but within ``MAX_PAGE`` answers ``items: []`` with the true ``count``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

from calsreg.api.schemas.application_in import StrictIn

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# 10 000 pages of 100: a million rows, past any list of this service and far inside a 64-bit OFFSET.
MAX_PAGE = 10_000


class PagedQueryIn(StrictIn):
    """The paging parameters; a list endpoint's query schema extends it and answers ``page_of``."""

    page: int = Field(default=1, ge=1, le=MAX_PAGE, description=f"ページ番号（1から{MAX_PAGE}まで）")
    page_size: int = Field(
        default=PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"1ページの件数（1から{MAX_PAGE_SIZE}まで、省略時は{PAGE_SIZE}）",
    )

    def page_of(self, rows: QuerySet) -> dict[str, Any]:
        """This page of ``rows`` (ordered) and the total count."""
        start = (self.page - 1) * self.page_size
        return {
            "count": rows.count(),
            "page": self.page,
            "page_size": self.page_size,
            "items": list(rows[start : start + self.page_size]),
        }


class PageOut(Schema):
    """The fields of every page; a list endpoint's answer extends it with its ``items``."""

    count: int = Field(description="条件に合う件数（全ページの合計）")
    page: int = Field(description="ページ番号（1から）")
    page_size: int = Field(description="1ページの件数")
