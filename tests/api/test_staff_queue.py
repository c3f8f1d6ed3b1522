"""GET /api/staff/applications: the desk's queue filters, 50 per page with the total, O(1) queries."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from calsreg.applications.models import Application
from tests.api.helpers import application_submitted, bearer, staff_token
from tests.factories import OfficeFactory, SupervisorFactory

pytestmark = pytest.mark.django_db

URL = "/api/staff/applications"


def _at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour, 0))


def _copies(template: Application, count: int, *, start: int) -> list[Application]:
    """``count`` list rows like ``template`` (the queue shows no users or evidence, so none are made)."""
    rows = []
    for n in range(count):
        row = Application.objects.get(pk=template.pk)
        row.pk, row.id = None, None
        row.receipt_number = f"A2026-{start + n:05d}"
        row.submitted_at = template.submitted_at - timedelta(minutes=n + 1)
        rows.append(row)
    return Application.objects.bulk_create(rows)


@pytest.fixture
def secret():
    return staff_token()[1]


@pytest.fixture
def offices():
    niigata, nagaoka = OfficeFactory(code="1503"), OfficeFactory(code="1505")
    return niigata, nagaoka, SupervisorFactory(office=niigata), SupervisorFactory(office=nagaoka)


@pytest.fixture
def queue(offices):
    """Three applications on different days, offices and states; the third duplicates the first."""
    niigata, nagaoka, s_niigata, s_nagaoka = offices
    first = application_submitted(office=niigata, supervisors=[s_niigata], project_name="信濃川護岸設置工事")
    second = application_submitted(
        office=nagaoka,
        supervisors=[s_nagaoka],
        project_number="R8-長岡-0042",
        project_name="長岡大橋補修工事",
        contractor_name="株式会社長岡土木",
    )
    third = application_submitted(office=niigata, supervisors=[s_niigata], project_name="信濃川護岸設置工事")
    for application, day, status in (
        (first, 2, "awaiting_confirmation"),
        (second, 10, "submitted"),
        (third, 20, "submitted"),
    ):
        Application.objects.filter(pk=application.pk).update(submitted_at=_at(day), status=status)
    return first, second, third


def _receipts(response) -> list[str]:
    return [item["receipt_number"] for item in response.json()["items"]]


def test_the_queue_answers_newest_first_with_the_total_and_each_rows_summary(client, secret, queue):
    first, second, third = queue

    response = client.get(URL, **bearer(secret))

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["page_size"]) == (3, 1, 50)
    assert _receipts(response) == [third.receipt_number, second.receipt_number, first.receipt_number]
    assert body["items"][0] == {
        "receipt_number": third.receipt_number,
        "status": "submitted",
        "status_label": "受付済み",
        "channel": "web",
        "channel_label": "Webフォーム",
        "submitted_at": "2026-11-20T01:00:00Z",  # 10:00 JST, sent in UTC
        "office": {"code": "1503", "name": third.office.name},
        "project_number": "R8-新潟-土木-0123",
        "project_name": "信濃川護岸設置工事",
        "contractor_name": "株式会社越後建設",
        "duplicate_of": first.receipt_number,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "awaiting_confirmation"}, ["first"]),
        ({"office": "1505"}, ["second"]),
        ({"received_from": "2026-11-10", "received_to": "2026-11-10"}, ["second"]),
        ({"received_from": "2026-11-03"}, ["third", "second"]),
        ({"received_to": "2026-11-10"}, ["second", "first"]),
        ({"q": "長岡大橋"}, ["second"]),
        ({"q": "長岡土木"}, ["second"]),
        ({"duplicates_only": "true"}, ["third"]),
        ({"sort": "received"}, ["first", "second", "third"]),
        ({"office": "1503", "status": "submitted"}, ["third"]),
    ],
)
def test_filters_and_sorts_match_the_desks_queue(client, secret, queue, query, expected):
    by_name = dict(zip(("first", "second", "third"), queue, strict=True))

    response = client.get(URL, query, **bearer(secret))

    assert response.status_code == 200
    assert _receipts(response) == [by_name[name].receipt_number for name in expected]
    assert response.json()["count"] == len(expected)


def test_a_query_by_receipt_number_finds_that_application(client, secret, queue):
    response = client.get(URL, {"q": queue[1].receipt_number}, **bearer(secret))

    assert _receipts(response) == [queue[1].receipt_number]


def test_pages_hold_fifty_rows_and_report_the_total(client, secret, queue):
    _copies(queue[2], 50, start=90000)

    pages = [client.get(URL, {"page": page}, **bearer(secret)).json() for page in (1, 2, 3)]

    assert [(page["count"], page["page"], len(page["items"])) for page in pages] == [
        (53, 1, 50),
        (53, 2, 3),
        (53, 3, 0),
    ]
    seen = [item["receipt_number"] for page in pages for item in page["items"]]
    assert len(seen) == len(set(seen)) == 53


@pytest.mark.parametrize("rows", [0, 60])
def test_the_queue_costs_the_same_queries_however_many_rows(
    client, secret, queue, rows, django_assert_num_queries
):
    _copies(queue[2], rows, start=90000)

    # token lookup, last-use stamp, count, one page
    with django_assert_num_queries(4):
        response = client.get(URL, {"status": "submitted"}, **bearer(secret))

    assert len(response.json()["items"]) == min(2 + rows, 50)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"office": "9999"}, "office", "その事務所コードの発注事務所はありません。"),
        ({"page": "0"}, "page", "「ページ」の値が小さすぎます。"),
        (
            {"received_from": "2026-13-01"},
            "received_from",
            "「受付日（この日から）」は日付（例: 2026-12-01）で送ってください。",
        ),
    ],
)
def test_bad_filters_are_refused_in_the_error_shape(client, secret, queue, query, field, message):
    response = client.get(URL, query, **bearer(secret))

    assert response.status_code == 422
    assert [(error["field"], error["message"]) for error in response.json()["errors"]] == [(field, message)]


def test_an_unknown_status_lists_the_accepted_values(client, secret, queue):
    response = client.get(URL, {"status": "lost"}, **bearer(secret))

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "status"
    assert error["message"].startswith("「状態」は次のいずれかにしてください: ")
    assert "'awaiting_confirmation'" in error["message"]
