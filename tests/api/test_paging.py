"""Every list endpoint pages the same way (``calsreg.api.paging``): absurd pages and page sizes are
refused with 422 and a message naming the parameter — never a 500, on SQLite and PostgreSQL — and a
page past the last one within the bound answers no items with the true count."""

from __future__ import annotations

from datetime import date

import pytest

from calsreg.accounts.models import Role
from calsreg.api.paging import MAX_PAGE, MAX_PAGE_SIZE
from calsreg.billing.models import Payment
from tests.api.helpers import bearer, staff_token

pytestmark = pytest.mark.django_db

# Every list endpoint, with the role whose token may read it.
LISTS = [
    ("/api/staff/applications", Role.HELP_DESK),
    ("/api/staff/changes", Role.HELP_DESK),
    ("/api/billing/invoices", Role.BILLING_AGENT),
    ("/api/billing/payments/unmatched", Role.BILLING_AGENT),
]
TOO_SMALL = "「{label}」の値が小さすぎます。"
TOO_LARGE = "「{label}」は{max}以下にしてください。"


def _headers(role: str) -> dict[str, str]:
    return bearer(staff_token(role=role)[1])


@pytest.mark.parametrize(("url", "role"), LISTS)
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"page": str(10**30)}, "page", TOO_LARGE.format(label="ページ", max=MAX_PAGE)),
        ({"page": str(MAX_PAGE + 1)}, "page", TOO_LARGE.format(label="ページ", max=MAX_PAGE)),
        ({"page": "0"}, "page", TOO_SMALL.format(label="ページ")),
        ({"page": "-1"}, "page", TOO_SMALL.format(label="ページ")),
        ({"page_size": "1000000"}, "page_size", TOO_LARGE.format(label="1ページの件数", max=MAX_PAGE_SIZE)),
        ({"page_size": "0"}, "page_size", TOO_SMALL.format(label="1ページの件数")),
    ],
    ids=["page-10**30", "page-past-max", "page-0", "page-minus-1", "page-size-huge", "page-size-0"],
)
def test_an_absurd_page_is_refused_with_422_naming_the_parameter(client, url, role, query, field, message):
    response = client.get(url, query, **_headers(role))

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": field, "label": {"page": "ページ", "page_size": "1ページの件数"}[field], "message": message}
    ]


@pytest.mark.parametrize(("url", "role"), LISTS)
def test_the_last_allowed_page_answers_no_items_and_the_count(client, url, role):
    response = client.get(url, {"page": str(MAX_PAGE), "page_size": str(MAX_PAGE_SIZE)}, **_headers(role))

    assert response.status_code == 200
    assert response.json() == {"count": 0, "page": MAX_PAGE, "page_size": MAX_PAGE_SIZE, "items": []}


def test_the_page_size_chooses_how_many_items_a_page_holds(client):
    for amount in (1_000, 2_000, 3_000):
        Payment.objects.create(
            source="manual", received_on=date(2026, 11, 30), amount=amount, payer_name="ｱ", payer_kana="ア"
        )
    headers = _headers(Role.BILLING_AGENT)

    first = client.get("/api/billing/payments/unmatched", {"page_size": "2"}, **headers).json()
    second = client.get("/api/billing/payments/unmatched", {"page_size": "2", "page": "2"}, **headers).json()

    assert (first["count"], first["page"], first["page_size"], len(first["items"])) == (3, 1, 2, 2)
    assert (second["count"], second["page"], second["page_size"], len(second["items"])) == (3, 2, 2, 1)
    assert {item["id"] for item in first["items"] + second["items"]} == set(
        Payment.objects.values_list("pk", flat=True)
    )
