"""Input and output of the events feed (a subscriber's feed token)."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from calsreg.api.schemas.application_in import StrictIn
from calsreg.events.selectors import FEED_MAX_LIMIT

FEED_DEFAULT_LIMIT = 100
# Far beyond any number of events, and inside a 64-bit integer.
MAX_CURSOR = 2**62


class EventFeedQueryIn(StrictIn):
    after: int = Field(default=0, ge=0, le=MAX_CURSOR, description="この番号より後のイベント（最初は0）")
    limit: int = Field(
        default=FEED_DEFAULT_LIMIT,
        ge=1,
        le=FEED_MAX_LIMIT,
        description=f"返す件数（1から{FEED_MAX_LIMIT}まで、省略時は{FEED_DEFAULT_LIMIT}）",
    )


class EventSubjectOut(Schema):
    project_number: str = Field(description="工事番号（工事のイベント・所属のイベント）")
    account_id: str = Field(description="アカウントID（アカウントのイベント・所属のイベント）")


class EventOut(Schema):
    id: str = Field(
        description="イベントID（UUID）。Webhookの X-Calsreg-Event-Id と同じ値で、重複の判定に使います。"
    )
    cursor: int = Field(description="フィードの位置。次は after にこの値を渡します。")
    type: str = Field(description="種類（project.suspended など）")
    occurred_at: str = Field(description="発生日時（ISO 8601）")
    subject: EventSubjectOut
    payload: dict[str, Any] = Field(description="内容（docs/events.md）")


class EventFeedOut(Schema):
    items: list[EventOut]
    next_cursor: int = Field(description="次に after に渡す値（イベントがなければ after のまま）")
    has_more: bool = Field(description="続きのイベントがあるか")
