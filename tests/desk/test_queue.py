"""The application queue: filters, sorting, pagination and a query count that does not grow."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from calsreg.applications.states import Status
from tests.desk.helpers import at, make_application
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def _receipts(response) -> list[str]:
    """Receipt numbers of the table's rows, in the order shown."""
    return re.findall(r'<a href="/desk/applications/\d+/">(R2026-\d{6})</a>', response.content.decode())


@pytest.fixture
def niigata():
    return OfficeFactory(name="新潟地域振興局 地域整備部", code="1503")


@pytest.fixture
def nagaoka():
    return OfficeFactory(name="長岡地域振興局 地域整備部", code="1505")


@pytest.fixture
def four(niigata, nagaoka):
    """Four applications: two offices, three states, one duplicate, received on 2026-11-02..05."""
    first = make_application(
        office=niigata, number=1, submitted_at=at("2026-11-02"), project_name="信濃川護岸設置工事"
    )
    make_application(
        office=niigata, number=2, submitted_at=at("2026-11-03"), status=Status.AWAITING_CONFIRMATION
    )
    make_application(
        office=nagaoka,
        number=3,
        submitted_at=at("2026-11-04"),
        contractor_name="長岡土木株式会社",
        status=Status.AWAITING_CONFIRMATION,
    )
    make_application(
        office=niigata,
        number=4,
        submitted_at=at("2026-11-05"),
        project_number=first.project_number,
        duplicate_of=first,
        status=Status.RETURNED,
    )


@pytest.mark.usefixtures("four")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["R2026-000004", "R2026-000003", "R2026-000002", "R2026-000001"]),
        ("status=awaiting_confirmation", ["R2026-000003", "R2026-000002"]),
        ("received_from=2026-11-03&received_to=2026-11-04", ["R2026-000003", "R2026-000002"]),
        ("received_to=2026-11-02", ["R2026-000001"]),
        ("duplicates=on", ["R2026-000004"]),
        ("q=000002", ["R2026-000002"]),
        ("q=信濃川", ["R2026-000001"]),
        ("q=長岡土木", ["R2026-000003"]),
        ("q=R8-新潟-土木-0001", ["R2026-000004", "R2026-000001"]),
        ("status=returned&duplicates=on&q=土木", ["R2026-000004"]),
    ],
)
def test_filters_return_exactly_the_matching_applications(desk_client, query, expected):
    response = desk_client.get(f"{reverse('desk:queue')}?{query}")

    assert _receipts(response) == expected


def test_office_filter(desk_client, four, nagaoka):
    response = desk_client.get(reverse("desk:queue"), {"office": nagaoka.pk})

    assert _receipts(response) == ["R2026-000003"]


@pytest.mark.usefixtures("four")
@pytest.mark.parametrize(
    ("sort", "expected", "header", "aria"),
    [
        (
            "received",
            ["R2026-000001", "R2026-000002", "R2026-000003", "R2026-000004"],
            "受付日時",
            "ascending",
        ),
        (
            "-receipt",
            ["R2026-000004", "R2026-000003", "R2026-000002", "R2026-000001"],
            "受付番号",
            "descending",
        ),
        (
            "office",
            ["R2026-000004", "R2026-000002", "R2026-000001", "R2026-000003"],
            "発注事務所",
            "ascending",
        ),
        ("status", ["R2026-000003", "R2026-000002", "R2026-000004", "R2026-000001"], "状態", "ascending"),
    ],
)
def test_sorting_by_a_column_orders_rows_and_marks_the_header(desk_client, sort, expected, header, aria):
    response = desk_client.get(reverse("desk:queue"), {"sort": sort})

    assert _receipts(response) == expected
    assert re.search(rf'aria-sort="{aria}">\s*<a href="[^"]*">{header}', response.content.decode())


def test_clicking_the_sorted_column_again_reverses_it(desk_client, four):
    response = desk_client.get(reverse("desk:queue"), {"sort": "receipt", "status": "returned"})

    assert 'href="?sort=-receipt&amp;status=returned">受付番号' in response.content.decode()


def test_status_chips_count_every_state(desk_client, four):
    response = desk_client.get(reverse("desk:queue"), {"status": "awaiting_confirmation"})

    content = response.content.decode()
    chips = dict(
        re.findall(r'class="chip[^"]*"[^>]*>([^<]+?) <span class="chip-count">(\d+)</span>', content)
    )
    assert chips == {
        "すべて": "4",
        "受付済み": "1",
        "発注者確認中": "2",
        "確認済み": "0",
        "登録済み": "0",
        "利用中": "0",
        "差戻し中": "1",
        "却下": "0",
        "取下げ": "0",
    }
    assert re.search(r'href="\?status=awaiting_confirmation"\s+aria-current="true"', content)


def test_duplicate_and_status_badges(desk_client, four):
    response = desk_client.get(reverse("desk:queue"), {"duplicates": "on"})

    content = response.content.decode()
    assert '<span class="badge returned">差戻し中</span>' in content
    assert "重複の疑い</span>" in content
    assert "R2026-000001 と同じ工事・会社" in content


def test_received_date_time_is_shown_in_japanese(desk_client, niigata):
    make_application(office=niigata, number=7, submitted_at=at("2026-11-24", 9))

    response = desk_client.get(reverse("desk:queue"))

    assert "2026年11月24日(火) 09:00" in response.content.decode()


def _link(response, label: str) -> str | None:
    """The href of the pagination link with this aria-label (None when the page has none)."""
    found = re.search(rf'href="([^"]+)"[^>]*aria-label="{label}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def _follow(desk_client, response, label: str):
    return desk_client.get(reverse("desk:queue") + _link(response, label))


def test_fifty_a_page_with_the_total(desk_client, niigata):
    # Was "page=2" with "全60件中 51〜60件": pages now go by key (the next link carries a cursor).
    for number in range(1, 61):
        make_application(office=niigata, number=number)

    first = desk_client.get(reverse("desk:queue"), {"sort": "receipt"})
    second = _follow(desk_client, first, "次のページ")

    assert _receipts(first) == [f"R2026-{n:06d}" for n in range(1, 51)]
    assert "全60件（このページは50件）" in first.content.decode()
    assert _link(first, "次のページ").startswith("?sort=receipt&after=")
    assert (_link(first, "前のページ"), _link(first, "最初のページ")) == (None, None)
    assert _receipts(second) == [f"R2026-{n:06d}" for n in range(51, 61)]
    assert "全60件（このページは10件）" in second.content.decode()
    assert _link(second, "次のページ") is None


def test_cursor_walks_to_the_oldest_page_and_back_through_equal_timestamps(desk_client, niigata):
    # given 120 applications received at the very same moment (the id breaks the tie)
    for number in range(1, 121):
        make_application(office=niigata, number=number, submitted_at=at("2026-11-02"))
    newest_first = [f"R2026-{n:06d}" for n in range(120, 0, -1)]

    # when the operator walks older page by page, then newer again
    first = desk_client.get(reverse("desk:queue"))
    second = _follow(desk_client, first, "次のページ")
    third = _follow(desk_client, second, "次のページ")
    back = _follow(desk_client, third, "前のページ")
    back_to_first = _follow(desk_client, back, "前のページ")

    # then every application is shown exactly once, in order, and the way back shows the same pages
    assert _receipts(first) + _receipts(second) + _receipts(third) == newest_first
    assert _link(third, "次のページ") is None
    assert _receipts(back) == _receipts(second)
    assert _receipts(back_to_first) == _receipts(first)
    assert _link(back_to_first, "前のページ") is None


def test_the_oldest_page_is_the_last_fifty_and_leads_back(desk_client, niigata):
    for number in range(1, 121):
        make_application(office=niigata, number=number, submitted_at=at("2026-11-02"))

    oldest = _follow(desk_client, desk_client.get(reverse("desk:queue")), "最後のページ")
    newer = _follow(desk_client, oldest, "前のページ")

    assert _receipts(oldest) == [f"R2026-{n:06d}" for n in range(50, 0, -1)]
    assert (_link(oldest, "次のページ"), _link(oldest, "最後のページ")) == (None, None)
    assert _receipts(newer) == [f"R2026-{n:06d}" for n in range(100, 50, -1)]


def test_filters_and_sort_are_kept_while_paging(desk_client, niigata):
    for number in range(1, 121):
        status = Status.RETURNED if number % 2 else Status.SUBMITTED
        make_application(office=niigata, number=number, status=status)

    first = desk_client.get(reverse("desk:queue"), {"status": "returned", "sort": "project"})
    second = _follow(desk_client, first, "次のページ")

    shown = _receipts(first) + _receipts(second)
    assert len(shown) == 60 == len(set(shown))
    assert all(int(receipt[-6:]) % 2 for receipt in shown)
    assert "status=returned" in _link(second, "前のページ") and "sort=project" in _link(second, "前のページ")
    assert "全60件（このページは10件）" in second.content.decode()


@pytest.mark.parametrize(
    "cursor",
    ["after=not-a-cursor", "before=%00%ff", "after=W10:1vXyz:abc", "page=9999", "after="],
)
def test_a_bad_cursor_gives_the_first_page_never_an_error(desk_client, niigata, cursor):
    for number in range(1, 61):
        make_application(office=niigata, number=number)

    response = desk_client.get(f"{reverse('desk:queue')}?{cursor}")

    assert response.status_code == 200
    assert _receipts(response) == [f"R2026-{n:06d}" for n in range(60, 10, -1)]


def test_a_forged_or_foreign_cursor_is_refused_with_a_message(desk_client, niigata):
    # given a genuine cursor made for the queue sorted by receipt number
    for number in range(1, 61):
        make_application(office=niigata, number=number)
    by_receipt = desk_client.get(reverse("desk:queue"), {"sort": "receipt"})
    cursor = _link(by_receipt, "次のページ").split("after=")[1]

    # when it is replayed under another sort, or altered
    foreign = desk_client.get(reverse("desk:queue"), {"sort": "-receipt", "after": cursor})
    forged = desk_client.get(reverse("desk:queue"), {"sort": "receipt", "after": cursor[:-2] + "xx"})

    # then the first page of the asked-for list is shown with a warning
    for response, first in ((foreign, "R2026-000060"), (forged, "R2026-000001")):
        assert response.status_code == 200
        assert _receipts(response)[0] == first
        assert "ページの指定が正しくないため、最初のページを表示しました。" in response.content.decode()


def test_no_match_says_so(desk_client, niigata):
    response = desk_client.get(reverse("desk:queue"), {"q": "該当なし"})

    assert "条件に合う申込はありません。" in response.content.decode()


def test_invalid_filter_values_are_ignored_with_a_warning(desk_client, four):
    response = desk_client.get(reverse("desk:queue"), {"received_from": "2026-13-40", "status": "bogus"})

    assert response.status_code == 200
    assert len(_receipts(response)) == 4
    assert "次の条件は正しくないため、使わずに検索しました。" in response.content.decode()


@pytest.mark.parametrize("count", [3, 30, 60])
@pytest.mark.parametrize("where", ["", "page=last", "status=submitted", "q=舗装"])
def test_queue_costs_the_same_queries_for_3_or_60_applications(
    desk_client, niigata, django_assert_num_queries, count, where
):
    first = make_application(office=niigata, number=1)
    for number in range(2, count + 1):
        make_application(office=niigata, number=number, duplicate_of=first)

    # as before less the paginator's COUNT(*) (a capped COUNT only for a text filter)
    with django_assert_num_queries(8 if where == "q=舗装" else 7):
        response = desk_client.get(f"{reverse('desk:queue')}?{where}")

    assert len(_receipts(response)) == min(count, 50)


def test_a_later_page_costs_the_same_queries_as_the_first(desk_client, niigata, django_assert_num_queries):
    for number in range(1, 121):
        make_application(office=niigata, number=number)
    older = _link(desk_client.get(reverse("desk:queue")), "次のページ")
    newer = _link(desk_client.get(reverse("desk:queue") + older), "前のページ")

    for link in (older, newer):
        with django_assert_num_queries(7):
            response = desk_client.get(reverse("desk:queue") + link)
        assert len(_receipts(response)) == 50


def test_the_bench_finds_the_oldest_page_by_its_rel_last_link(desk_client, niigata):
    from bench.targets import last_page_url

    for number in range(1, 121):
        make_application(office=niigata, number=number, submitted_at=at("2026-11-02"))
    first = desk_client.get(reverse("desk:queue"))

    url = last_page_url(first.content.decode(), first_url=reverse("desk:queue"), size=120)

    assert 'rel="last"' in first.content.decode()
    assert _receipts(desk_client.get(url)) == [f"R2026-{n:06d}" for n in range(50, 0, -1)]
