"""The desk's change-request list read by key (desk/paging.py) and found by its folded search text."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from django.db.models import Q
from django.urls import reverse

from calsreg.accounts.models import Project
from calsreg.accounts.services.search_index import project_search_index_rebuild
from calsreg.changes.models import ChangeRequest
from calsreg.changes.selectors import change_requests_for_desk
from calsreg.changes.services import change_request_assign
from calsreg.changes.services.search_index import change_search_index_rebuild
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.changes.callback_helpers import DURING_THE_WORKS, file_change

pytestmark = pytest.mark.django_db

LOCATION = {"field": "project_location", "value": "新潟市中央区白山浦2丁目地内"}


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    # Every request is filed at the very same moment: the id breaks the tie.
    time_machine.move_to(DURING_THE_WORKS, tick=False)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("calsreg.desk.changes.views.CHANGE_PAGE_SIZE", 2)


def _numbers(response) -> list[str]:
    return re.findall(r'<a href="/desk/changes/\d+/">(H\d{4}-\d{5})</a>', response.content.decode())


def _link(response, label: str) -> str | None:
    found = re.search(rf'href="([^"]+)"[^>]*aria-label="{label}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def _follow(client, response, label: str):
    return client.get(reverse("desk:change_queue") + _link(response, label))


def _filed(count: int, **extra) -> list[str]:
    project, _accounts = started()
    return [file_change(project, LOCATION, **extra).number for _ in range(count)]


def test_cursor_walks_to_the_oldest_page_and_back(desk_client, small_pages):
    # given five requests filed at the same moment
    newest_first = _filed(5)[::-1]

    # when the operator walks older page by page, then newer again
    first = desk_client.get(reverse("desk:change_queue"))
    second = _follow(desk_client, first, "次のページ")
    third = _follow(desk_client, second, "次のページ")
    back = _follow(desk_client, third, "前のページ")
    back_to_first = _follow(desk_client, back, "前のページ")

    # then each is shown once, in order, and the way back shows the same pages
    assert _numbers(first) + _numbers(second) + _numbers(third) == newest_first
    assert (_link(third, "次のページ"), _link(third, "最後のページ")) == (None, None)
    assert _numbers(back) == _numbers(second)
    assert _numbers(back_to_first) == _numbers(first)
    assert (_link(back_to_first, "前のページ"), _link(back_to_first, "最初のページ")) == (None, None)
    assert "全5件（このページは2件）" in first.content.decode()


def test_the_oldest_page_is_the_last_ones_and_leads_back(desk_client, small_pages):
    newest_first = _filed(5)[::-1]

    oldest = _follow(desk_client, desk_client.get(reverse("desk:change_queue")), "最後のページ")
    newer = _follow(desk_client, oldest, "前のページ")

    assert _numbers(oldest) == newest_first[-2:]
    assert (_link(oldest, "次のページ"), _link(oldest, "最後のページ")) == (None, None)
    assert _numbers(newer) == newest_first[1:3]


def test_filters_are_kept_while_paging(desk_client, small_pages):
    _filed(2)
    mine = _filed(3, requester_name="佐藤 花子")[::-1]

    first = desk_client.get(reverse("desk:change_queue"), {"q": "佐藤"})
    second = _follow(desk_client, first, "次のページ")

    assert _numbers(first) + _numbers(second) == mine
    assert "q=" in _link(second, "前のページ")
    assert "全3件（このページは1件）" in second.content.decode()


@pytest.mark.parametrize("cursor", ["after=not-a-cursor", "before=%00%ff", "after=W10:1vXyz:abc", "after="])
def test_a_bad_cursor_gives_the_first_page(desk_client, small_pages, cursor):
    newest_first = _filed(3)[::-1]

    response = desk_client.get(f"{reverse('desk:change_queue')}?{cursor}")

    assert response.status_code == 200
    assert _numbers(response) == newest_first[:2]


def test_a_forged_or_foreign_cursor_is_refused_with_a_message(desk_client, small_pages):
    # given a genuine cursor of the change list and one of the application queue
    _filed(3)
    cursor = _link(desk_client.get(reverse("desk:change_queue")), "次のページ").split("after=")[1]
    foreign = "after=" + cursor.replace("%3A", ":")  # the same value signed for the change list only

    # when it is altered, or a cursor of the application queue is replayed here
    forged = desk_client.get(f"{reverse('desk:change_queue')}?after={cursor[:-2]}xx")
    from_queue = desk_client.get(f"{reverse('desk:queue')}?{foreign}")

    # then the first page is shown with a warning
    for response in (forged, from_queue):
        assert response.status_code == 200
        assert "ページの指定が正しくないため、最初のページを表示しました。" in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    ("where", "queries"),
    [("", 7), ("page=last", 7), ("status=submitted", 7), ("q=田中", 8), ("mine=on", 8)],
)
def test_list_costs_the_same_queries_for_3_or_30_requests(
    desk_client, desk_user, django_assert_num_queries, count, where, queries
):
    numbers = _filed(count)
    for request in ChangeRequest.objects.filter(number__in=numbers):  # all "mine"
        change_request_assign(request=request, operator=desk_user, actor=Actor.staff(desk_user))

    # session, user, the page (+project, operator, item count), its items, status counts, and a
    # capped COUNT only when a text or "mine" narrows the list
    with django_assert_num_queries(queries):
        response = desk_client.get(f"{reverse('desk:change_queue')}?{where}")

    assert len(_numbers(response)) == min(count, 50)


# --- the text filter --------------------------------------------------------------------------------


def _icontains(text: str) -> list[str]:
    """What the list found before: icontains on the four columns."""
    match = (
        Q(number__icontains=text)
        | Q(project__project_number__icontains=text)
        | Q(project__name__icontains=text)
        | Q(requester_name__icontains=text)
    )
    return list(
        ChangeRequest.objects.filter(match).order_by("-submitted_at", "-id").values_list("number", flat=True)
    )


def _found(text: str) -> list[str]:
    return list(change_requests_for_desk(text=text).values_list("number", flat=True))


@pytest.fixture
def three_requests() -> None:
    for name, project_name in (
        ("田中 一郎", "護岸改修工事"),
        ("佐藤 花子", "舗装補修工事"),
        ("Smith", "橋梁点検"),
    ):
        project, _accounts = started()
        project.name = project_name
        project.save(update_fields=["name"])
        file_change(project, LOCATION, requester_name=name)


@pytest.mark.parametrize("text", ["護岸", "工事", "佐藤", "花", "smith", "MIT", "H2026", "00002", "無い言葉"])
def test_text_filter_finds_what_icontains_found(three_requests, text):
    assert _found(text) == _icontains(text)


@pytest.mark.parametrize(("typed", "plain"), [("ＳＭＩＴＨ", "smith"), ("Ｈ２０２６", "H2026")])
def test_text_filter_ignores_width(three_requests, typed, plain):
    assert _found(typed) == _found(plain) != []


def test_text_filter_finds_a_project_renamed_after_the_request_was_filed(three_requests):
    project = ChangeRequest.objects.get(requester_name="Smith").project
    project.name = "ゴガン整備"
    project.save(update_fields=["name"])

    assert _found("ごがん") == _found("ｺﾞｶﾞﾝ") == [ChangeRequest.objects.get(requester_name="Smith").number]
    assert _found("橋梁") == []


@pytest.mark.parametrize("count", [3, 30])
def test_text_filter_costs_one_query_whatever_the_rows(django_assert_num_queries, count):
    _filed(count)

    with django_assert_num_queries(1):
        assert len(_found("田中")) == count


def test_an_erased_requester_is_no_longer_found(three_requests):
    # given the requester's name erased as the erasure service saves it (update_fields)
    request = ChangeRequest.objects.get(requester_name="佐藤 花子")
    request.requester_name = "（消去済み）"
    request.save(update_fields=["requester_name"])

    # then the search text no longer holds the name
    assert _found("佐藤") == _found("花子") == []
    assert "佐藤" not in ChangeRequest.objects.get(pk=request.pk).search_text


def test_rebuild_brings_rows_written_without_save_up_to_date(three_requests):
    # given rows changed by a raw update (as a COPY or a data load would)
    ChangeRequest.objects.filter(requester_name="Smith").update(requester_name="高橋 三郎")
    Project.objects.filter(name="護岸改修工事").update(name="河川整備工事")
    assert _found("高橋") == _found("河川") == []

    # when the search texts are rebuilt, then they are found, and a second rebuild changes nothing
    assert (change_search_index_rebuild(), project_search_index_rebuild()) == (1, 1)
    assert _found("高橋") == _icontains("高橋") != []
    assert _found("河川") == _icontains("河川") != []
    assert (change_search_index_rebuild(), project_search_index_rebuild()) == (0, 0)
