"""The outbox list the desk will show: newest first, searchable, bounded, one query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calsreg.core.errors import NotFound
from calsreg.notifications.models import OutboxMessage
from calsreg.notifications.selectors import OUTBOX_LIST_LIMIT, outbox_message_get, outbox_messages

T0 = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)


def outbox_message_factory(*, subject: str, to: str = "a@example.jp", minutes: int = 0) -> OutboxMessage:
    return OutboxMessage.objects.create(
        sent_at=T0 + timedelta(minutes=minutes),
        from_address="helpdesk@calsreg.example.jp",
        to_addresses=to,
        subject=subject,
        body=f"{subject}の本文",
        raw="Subject: ...\n\n...",
    )


@pytest.mark.django_db
def test_outbox_messages_newest_first_and_searchable(django_assert_num_queries):
    # given
    older = outbox_message_factory(subject="受付のお知らせ R2026-000001", minutes=0)
    newer = outbox_message_factory(subject="受付のお知らせ R2026-000002", to="sato@example.jp", minutes=5)
    outbox_message_factory(subject="ID・パスワードのお知らせ", minutes=10)

    # when / then
    with django_assert_num_queries(1):
        found = [(m.pk, m.delivery) for m in outbox_messages(search=" 受付のお知らせ ")]
    assert found == [(newer.pk, None), (older.pk, None)]
    assert [m.pk for m in outbox_messages(search="sato@")] == [newer.pk]
    assert [m.pk for m in outbox_messages(search="000001の本文")] == [older.pk]
    assert list(outbox_messages(search="該当なし")) == []


@pytest.mark.django_db
def test_outbox_messages_is_bounded():
    # given
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            sent_at=T0, from_address="f@example.jp", to_addresses="t@example.jp", subject="s", body="b"
        )
        for _ in range(OUTBOX_LIST_LIMIT + 1)
    )

    # when / then
    assert len(outbox_messages()) == OUTBOX_LIST_LIMIT
    assert len(outbox_messages(limit=10)) == 10
    assert len(outbox_messages(limit=10_000)) == OUTBOX_LIST_LIMIT


@pytest.mark.django_db
def test_outbox_message_get_returns_the_row_or_not_found():
    # given
    message = outbox_message_factory(subject="受付のお知らせ")

    # when / then
    assert outbox_message_get(message_id=message.pk).raw == "Subject: ...\n\n..."
    with pytest.raises(NotFound):
        outbox_message_get(message_id=message.pk + 1)
