"""The desk's failed-and-stuck mail list read by key (desk/paging.py), newest attempt first, a
never-attempted stuck row last (as NULLS LAST ordered it)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.selectors import deliveries_troubled
from tests.desk.keyset_helpers import BAD_CURSORS, REFUSED, follow, link, walk
from tests.notifications.factories import enqueue_received, subject_factory

pytestmark = pytest.mark.django_db

URL = "/desk/mail/troubles/"
NOW = dt.datetime(2026, 12, 7, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("calsreg.desk.mail.views.PAGE_SIZE", 2)


def _troubled(count: int, *, never_attempted: int = 0) -> list[str]:
    """``count`` failed mails, two sharing each attempt time, then stuck claims with no time: the
    addresses newest first."""
    for i in range(count):
        delivery = enqueue_received(key=f"k{i}", to=f"u{i:03d}@example.jp", subject=subject_factory(f"k{i}"))
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_attempt_at=NOW - dt.timedelta(hours=count - i // 2),
            next_attempt_at=None,
        )
    for j in range(never_attempted):
        delivery = enqueue_received(key=f"n{j}", to=f"n{j:03d}@example.jp", subject=subject_factory(f"n{j}"))
        Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, last_attempt_at=None)
    return list(
        Delivery.objects.exclude(status=DeliveryStatus.PENDING)
        .order_by("-last_attempt_at", "-id")
        .values_list("to_address", flat=True)
    )


def _shown(response) -> list[str]:
    return re.findall(r">([un]\d{3}@example\.jp)<", response.content.decode())


def test_the_order_is_what_nulls_last_gave(small_pages):
    _troubled(4, never_attempted=2)

    expected = [f"u{i:03d}@example.jp" for i in (3, 2, 1, 0)] + ["n001@example.jp", "n000@example.jp"]
    assert list(deliveries_troubled().values_list("to_address", flat=True)) == expected


def test_cursor_walks_to_the_oldest_page_and_back(desk_client, small_pages):
    _troubled(5, never_attempted=2)
    expected = list(deliveries_troubled().values_list("to_address", flat=True))

    forward, backward = walk(desk_client, URL, _shown)

    assert forward == backward == expected
    assert len(expected) == 7
    assert "全7件（このページは2件）" in desk_client.get(URL).content.decode()


def test_the_oldest_page_holds_the_never_attempted(desk_client, small_pages):
    _troubled(3, never_attempted=2)

    oldest = follow(desk_client, URL, desk_client.get(URL), "最後のページ")

    assert _shown(oldest) == ["n001@example.jp", "n000@example.jp"]
    assert (link(oldest, "次のページ"), link(oldest, "最後のページ")) == (None, None)


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_gives_the_first_page(desk_client, small_pages, cursor):
    _troubled(3)

    response = desk_client.get(f"{URL}?{cursor}")

    assert response.status_code == 200
    assert _shown(response) == ["u002@example.jp", "u001@example.jp"]


def test_a_forged_or_foreign_cursor_is_refused_with_a_message(desk_client, small_pages):
    # given a genuine cursor of this list
    _troubled(3)
    own = link(desk_client.get(URL), "次のページ").split("after=")[1]

    # when it is altered, or replayed on the staff notice list
    forged = desk_client.get(f"{URL}?after={own[:-2]}xx")
    replayed = desk_client.get(f"/desk/notices/?after={own}")

    # then each list shows its first page with a warning, and nothing was re-sent
    for response in (forged, replayed):
        assert response.status_code == 200
        assert REFUSED in response.content.decode()
    assert _shown(forged) == ["u002@example.jp", "u001@example.jp"]
    assert Delivery.objects.filter(status=DeliveryStatus.FAILED).count() == 3


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("where", ["", "page=last"])
def test_the_list_costs_the_same_queries_for_3_or_30_mails(
    desk_client, django_assert_num_queries, count, where
):
    _troubled(count)

    with django_assert_num_queries(6):
        response = desk_client.get(f"{URL}?{where}")

    assert len(_shown(response)) == min(count, 25)
