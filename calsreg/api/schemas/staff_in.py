"""Query parameters of the staff queue, mirroring the desk's filters (``QueueFilters``)."""

from __future__ import annotations

from datetime import date
from enum import Enum

from pydantic import Field

from calsreg.api.paging import PagedQueryIn
from calsreg.applications.selectors import DEFAULT_QUEUE_SORT, QUEUE_SORTS
from calsreg.applications.states import Status

StatusFilter = Enum("StatusFilter", {value: value for value in Status.values}, type=str)  # type: ignore[misc]
QueueSort = Enum("QueueSort", {key: key for key in QUEUE_SORTS}, type=str)  # type: ignore[misc]


class QueueQueryIn(PagedQueryIn):
    status: StatusFilter | None = Field(default=None, description="状態で絞り込み")  # type: ignore[valid-type]
    office: str | None = Field(default=None, max_length=20, description="発注事務所コードで絞り込み")
    received_from: date | None = Field(default=None, description="受付日（この日から）")
    received_to: date | None = Field(default=None, description="受付日（この日まで）")
    q: str = Field(default="", max_length=100, description="受付番号・工事番号・工事名・会社名の一部")
    duplicates_only: bool = Field(default=False, description="重複の疑いがある申込だけ")
    sort: QueueSort = Field(  # type: ignore[valid-type]
        default=QueueSort(DEFAULT_QUEUE_SORT), description="並び順（先頭の - は降順）"
    )
