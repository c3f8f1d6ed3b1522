"""The application queue: filters, sorting, pagination and a query count that does not grow."""

from __future__ import annotations

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


def test_fifty_a_page_with_the_total(desk_client, niigata):
    for number in range(1, 61):
        make_application(office=niigata, number=number)

    first = desk_client.get(reverse("desk:queue"), {"sort": "receipt"})
    second = desk_client.get(reverse("desk:queue"), {"sort": "receipt", "page": 2})

    assert _receipts(first) == [f"R2026-{n:06d}" for n in range(1, 51)]
    assert "全60件中 1〜50件" in first.content.decode()
    assert _receipts(second) == [f"R2026-{n:06d}" for n in range(51, 61)]
    assert "全60件中 51〜60件" in second.content.decode()
    assert 'href="?sort=receipt&amp;page=2" rel="next"' in first.content.decode()


def test_no_match_says_so(desk_client, niigata):
    response = desk_client.get(reverse("desk:queue"), {"q": "該当なし"})

    assert "条件に合う申込はありません。" in response.content.decode()


def test_invalid_filter_values_are_ignored_with_a_warning(desk_client, four):
    response = desk_client.get(reverse("desk:queue"), {"received_from": "2026-13-40", "status": "bogus"})

    assert response.status_code == 200
    assert len(_receipts(response)) == 4
    assert "次の条件は正しくないため、使わずに検索しました。" in response.content.decode()


@pytest.mark.parametrize("count", [3, 60])
def test_queue_costs_the_same_queries_for_3_or_60_applications(
    desk_client, niigata, django_assert_num_queries, count
):
    first = make_application(office=niigata, number=1)
    for number in range(2, count + 1):
        make_application(office=niigata, number=number, duplicate_of=first)

    # session, user, status counts, COUNT(*), the page's rows, the office drop-down
    with django_assert_num_queries(8):
        response = desk_client.get(reverse("desk:queue"))

    assert len(_receipts(response)) == min(count, 50)
