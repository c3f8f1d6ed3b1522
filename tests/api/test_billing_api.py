"""The billing API: billing-agent / administrator tokens only; invoices (filters, paging, posting),
payments (manual, imports, unmatched, allocation); refusals in the one error shape, changing nothing."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from calsreg.accounts.models import Role
from calsreg.billing.models import InvoiceStatus, Payment, PaymentAllocation, PaymentImport, PaymentStatus
from calsreg.records.models import AuditEvent, Evidence
from tests.api.helpers import bearer, staff_token
from tests.billing import zengin_writer as zw
from tests.desk.test_payment_screens import make_invoice

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
BASE = "/api/billing"


@pytest.fixture(autouse=True)
def _in_december_2026():
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=JST), tick=False):
        yield


@pytest.fixture
def auth():
    _user, secret = staff_token(role=Role.BILLING_AGENT)
    return bearer(secret)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (PaymentImport, Payment, PaymentAllocation, Evidence, AuditEvent)
    }


def _requests(invoice_number: str, payment_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("get", f"{BASE}/invoices", {}),
        ("get", f"{BASE}/invoices/{invoice_number}", {}),
        ("get", f"{BASE}/payments/unmatched", {}),
        ("post", f"{BASE}/invoices/{invoice_number}/posted", {"posted_on": "2026-12-01"}),
        ("post", f"{BASE}/payments", {"received_on": "2026-11-30", "amount": 5, "payer_name": "ｱ"}),
        (
            "post",
            f"{BASE}/payments/{payment_id}/allocations",
            {"invoice_number": invoice_number, "amount": 1},
        ),
        ("post", f"{BASE}/payments/{payment_id}/ignore", {"reason": "返金"}),
    ]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("none", 401),
        ("bad", 401),
        (Role.HELP_DESK, 403),
        (Role.BILLING_AGENT, None),
        (Role.ADMINISTRATOR, None),
    ],
)
def test_only_billing_agent_and_administrator_tokens_are_accepted(client, role, expected):
    invoice = make_invoice(total=1_000)
    payment = Payment.objects.create(
        source="manual", received_on=date(2026, 11, 30), amount=1, payer_name="ｱ", payer_kana="ア"
    )
    if role == "none":
        headers = {}
    elif role == "bad":
        headers = bearer("not-a-token")
    else:
        headers = bearer(staff_token(role=role)[1])
    before = counts()

    for method, url, body in _requests(invoice.number, payment.pk):
        if method == "get":
            response = client.get(url, **headers)
        else:
            response = client.post(url, body, content_type="application/json", **headers)
        if expected is None:
            assert response.status_code < 500 and response.status_code not in (401, 403), (
                url,
                response.json(),
            )
        else:
            assert response.status_code == expected, url
            assert set(response.json()) == {"code", "message", "errors"}
    file = client.post(
        f"{BASE}/payments/imports",
        {"kind": "zengin", "file": SimpleUploadedFile("n.txt", zw.notice_file([{"amount": 9, "name": "ｱ"}]))},
        **headers,
    )
    if expected is None:
        assert file.status_code == 201
    else:
        assert file.status_code == expected
        assert counts() == before


def test_invoices_are_listed_with_filters_and_a_count(client, auth):
    posted = make_invoice(total=11_000)
    other = make_invoice(total=22_000)
    other.status = InvoiceStatus.ISSUED
    other.save()

    everything = client.get(f"{BASE}/invoices", **auth).json()
    only_posted = client.get(f"{BASE}/invoices", {"status": "posted"}, **auth).json()
    by_office = client.get(f"{BASE}/invoices", {"office": other.project.office.code}, **auth).json()
    by_month = client.get(f"{BASE}/invoices", {"run_month": "2027-01"}, **auth).json()
    overdue = client.get(f"{BASE}/invoices", {"overdue": "true"}, **auth).json()
    bad = client.get(f"{BASE}/invoices", {"run_month": "2027-13", "office": "nope"}, **auth)

    assert everything["count"] == 2 and everything["page_size"] == 50
    assert [i["number"] for i in only_posted["items"]] == [posted.number]
    assert [i["number"] for i in by_office["items"]] == [other.number]
    assert by_month["count"] == 0 and overdue["count"] == 0
    item = only_posted["items"][0]
    assert (item["total"], item["amount_paid"], item["balance"], item["status_label"]) == (
        11_000,
        0,
        11_000,
        "郵送済み",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"


def test_one_invoice_by_number_and_404_in_the_error_shape(client, auth):
    invoice = make_invoice(total=11_000)

    found = client.get(f"{BASE}/invoices/{invoice.number}", **auth)
    missing = client.get(f"{BASE}/invoices/2099-000001", **auth)

    assert found.status_code == 200 and found.json()["customer_code"] == invoice.customer_code
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_marking_posted_sets_the_due_date_and_a_second_time_is_refused(client, auth):
    invoice = make_invoice(total=11_000)
    invoice.status, invoice.posted_on, invoice.due_on = InvoiceStatus.ISSUED, None, None
    invoice.save()

    response = client.post(
        f"{BASE}/invoices/{invoice.number}/posted",
        {"posted_on": "2026-12-01"},
        content_type="application/json",
        **auth,
    )
    audits = AuditEvent.objects.count()
    again = client.post(
        f"{BASE}/invoices/{invoice.number}/posted",
        {"posted_on": "2026-12-01"},
        content_type="application/json",
        **auth,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "posted" and body["posted_on"] == "2026-12-01" and body["due_on"]
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert AuditEvent.objects.count() == audits


def test_a_manual_payment_is_matched_and_a_bad_one_is_refused_whole(client, auth):
    invoice = make_invoice(total=22_000)

    created = client.post(
        f"{BASE}/payments",
        {"received_on": "2026-11-30", "amount": 22_000, "payer_name": "ﾀﾞﾚｶ", "payer_code": invoice.number},
        content_type="application/json",
        **auth,
    )
    before = counts()
    refused = client.post(
        f"{BASE}/payments",
        {"received_on": "2027-01-01", "amount": 0, "payer_name": " "},
        content_type="application/json",
        **auth,
    )

    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "matched" and body["unallocated"] == 0
    assert body["allocations"][0]["invoice_number"] == invoice.number
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"received_on", "amount", "payer_name"}
    assert counts() == before


def test_an_import_answers_its_results_then_duplicate_and_a_malformed_file_is_refused(client, auth):
    invoice = make_invoice(total=44_000)
    content = zw.notice_file([{"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ"}, {"amount": 500, "name": "ﾔﾏﾀﾞ"}])

    def send(data: bytes, kind: str = "zengin"):
        return client.post(
            f"{BASE}/payments/imports", {"kind": kind, "file": SimpleUploadedFile("n.txt", data)}, **auth
        )

    first = send(content)
    before = counts()
    again = send(content)
    bad = send(
        zw.join(
            [zw.header(), zw.data(amount="0000001X00", name="ｱ"), zw.trailer(count=1, total=100), zw.end()]
        )
    )
    bad_kind = send(content, kind="excel")

    assert first.status_code == 201
    body = first.json()
    assert (body["created"], body["matched_count"], body["unmatched_count"]) == (True, 1, 1)
    assert body["payments"][0]["allocations"][0]["invoice_number"] == invoice.number
    assert body["payments"][0]["allocations"][0]["rule"] == "amount_name"
    assert again.status_code == 200 and again.json()["created"] is False
    assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    assert any(e["field"].startswith("lines[2].") for e in bad.json()["errors"])
    assert bad_kind.status_code == 422
    assert counts() == before


def test_the_unmatched_queue_and_a_manual_allocation(client, auth):
    invoice = make_invoice(total=30_000)
    payment = Payment.objects.create(
        source="manual", received_on=date(2026, 11, 30), amount=30_000, payer_name="ﾀﾞﾚｶ", payer_kana="ダレカ"
    )

    queue = client.get(f"{BASE}/payments/unmatched", **auth).json()
    before = counts()
    too_much = client.post(
        f"{BASE}/payments/{payment.pk}/allocations",
        {"invoice_number": invoice.number, "amount": 40_000},
        content_type="application/json",
        **auth,
    )
    unknown = client.post(
        f"{BASE}/payments/{payment.pk}/allocations",
        {"invoice_number": "2099-000001", "amount": 1},
        content_type="application/json",
        **auth,
    )
    no_payment = client.post(
        f"{BASE}/payments/999999/allocations",
        {"invoice_number": invoice.number, "amount": 1},
        content_type="application/json",
        **auth,
    )
    assert counts() == before
    done = client.post(
        f"{BASE}/payments/{payment.pk}/allocations",
        {"invoice_number": invoice.number, "amount": 30_000},
        content_type="application/json",
        **auth,
    )

    assert queue["count"] == 1 and queue["items"][0]["unallocated"] == 30_000
    assert too_much.status_code == 400 and too_much.json()["code"] == "domain_error"
    assert unknown.status_code == 404 and no_payment.status_code == 404
    assert done.status_code == 201 and done.json()["status"] == PaymentStatus.MATCHED
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert client.get(f"{BASE}/payments/unmatched", **auth).json()["count"] == 0


def test_a_payment_is_ignored_with_a_reason_and_refusals_change_nothing(client, auth):
    payment = Payment.objects.create(
        source="manual",
        received_on=date(2026, 11, 30),
        amount=5_000,
        payer_name="ﾍﾝｷﾝ",
        payer_kana="ヘンキン",
    )
    url = f"{BASE}/payments/{payment.pk}/ignore"
    help_desk_auth = bearer(staff_token(role=Role.HELP_DESK)[1])
    before = counts()

    anonymous = client.post(url, {"reason": "返金"}, content_type="application/json")
    help_desk = client.post(
        url,
        {"reason": "返金"},
        content_type="application/json",
        **help_desk_auth,
    )
    blank = client.post(url, {"reason": "   "}, content_type="application/json", **auth)
    missing = client.post(url, {}, content_type="application/json", **auth)
    unknown_key = client.post(url, {"reason": "x", "extra": 1}, content_type="application/json", **auth)
    no_payment = client.post(
        f"{BASE}/payments/999999/ignore", {"reason": "返金"}, content_type="application/json", **auth
    )
    assert counts() == before
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.UNMATCHED

    done = client.post(url, {"reason": "返金のため"}, content_type="application/json", **auth)
    again = client.post(url, {"reason": "もう一度"}, content_type="application/json", **auth)

    assert anonymous.status_code == 401 and help_desk.status_code == 403
    assert blank.status_code == 400 and blank.json()["code"] == "domain_error"
    assert missing.status_code == 422 and unknown_key.status_code == 422
    assert no_payment.status_code == 404 and set(no_payment.json()) == {"code", "message", "errors"}
    assert done.status_code == 200
    assert done.json()["status"] == PaymentStatus.IGNORED and done.json()["id"] == payment.pk
    payment.refresh_from_db()
    assert (payment.status, payment.ignored_reason) == (PaymentStatus.IGNORED, "返金のため")
    assert AuditEvent.objects.filter(action="payment.ignored").count() == 1
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    payment.refresh_from_db()
    assert payment.ignored_reason == "返金のため"
