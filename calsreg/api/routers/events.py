"""The events feed (docs/events.md): a subscribing service pulls every lifecycle event in order,
from a cursor — to catch up after being down, or to build its state from cursor 0."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from calsreg.api.auth import SubscriberToken
from calsreg.api.schemas.errors import ErrorOut
from calsreg.api.schemas.events import EventFeedOut, EventFeedQueryIn
from calsreg.events.selectors import events_after

router = Router(tags=["連携イベント（購読者）"], auth=SubscriberToken())


@router.get(
    "",
    response={200: EventFeedOut, 401: ErrorOut, 422: ErrorOut},
    operation_id="events_feed",
    summary="イベントのフィード",
)
def events_feed(request: HttpRequest, query: Query[EventFeedQueryIn]):
    """after より後のイベントを古い順に最大 limit 件返します。next_cursor を次の after に渡して、
    has_more が false になるまで続けます。"""
    page = events_after(after=query.after, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor, "has_more": page.has_more}
