"""The desk's notice list read by key (desk/paging.py): newest / older / oldest, never OFFSET."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from calsreg.notifications.models import StaffNoticeKind
from calsreg.notifications.staff_services import staff_notice_post
from tests.desk.keyset_helpers import BAD_CURSORS, REFUSED, follow, link, walk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/desk/notices/"
NOW = dt.datetime(2026, 12, 10, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture(autouse=True)
def _frozen():
    # Every notice is posted at the very same moment: the id orders them.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("calsreg.desk.notices.views.PAGE_SIZE", 2)


def _posted(count: int) -> list[str]:
    subject = UserFactory()
    for i in range(count):
        staff_notice_post(
            kind=StaffNoticeKind.APPLICATION_RECEIVED, subject=subject, summary=f"notice-{i:03d}"
        )
    return [f"notice-{i:03d}" for i in range(count)]


def _shown(response) -> list[str]:
    return re.findall(r"<td>(notice-\d{3})</td>", response.content.decode())


def test_cursor_walks_to_the_oldest_page_and_back(desk_client, small_pages):
    newest_first = _posted(5)[::-1]

    forward, backward = walk(desk_client, URL, _shown)

    assert forward == backward == newest_first
    assert "全5件（このページは2件）" in desk_client.get(URL).content.decode()


def test_the_oldest_page_holds_the_oldest_and_only_the_newest_page_offers_marking_all_read(
    desk_client, small_pages
):
    newest_first = _posted(5)[::-1]

    first = desk_client.get(URL)
    oldest = follow(desk_client, URL, first, "最後のページ")

    assert _shown(oldest) == newest_first[-2:]
    assert (link(oldest, "次のページ"), link(oldest, "最後のページ")) == (None, None)
    assert 'name="up_to" value="0"' in oldest.content.decode()
    assert 'name="up_to" value="0"' not in first.content.decode()


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_gives_the_first_page(desk_client, small_pages, cursor):
    newest_first = _posted(3)[::-1]

    response = desk_client.get(f"{URL}?{cursor}")

    assert response.status_code == 200
    assert _shown(response) == newest_first[:2]


def test_a_forged_or_foreign_cursor_is_refused_with_a_message(desk_client, small_pages):
    # given a genuine cursor of the change-request list, and one of this list altered
    _posted(3)
    own = link(desk_client.get(URL), "次のページ").split("after=")[1]
    foreign = own.replace("%3A", ":")

    # when either is sent to this list, or this list's cursor to the change-request list
    forged = desk_client.get(f"{URL}?after={own[:-2]}xx")
    replayed = desk_client.get(f"/desk/changes/?after={foreign}")

    # then each list shows its first page with a warning
    for response in (forged, replayed):
        assert response.status_code == 200
        assert REFUSED in response.content.decode()
    assert _shown(forged) == ["notice-002", "notice-001"]


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize("where", ["", "page=last"])
def test_the_list_costs_the_same_queries_for_3_or_30_notices(
    desk_client, django_assert_num_queries, count, where
):
    _posted(count)

    # session, user, the page, the capped count, the inbox, the badge, the mail-trouble badge
    with django_assert_num_queries(7):
        response = desk_client.get(f"{URL}?{where}")

    assert len(_shown(response)) == min(count, 30)
