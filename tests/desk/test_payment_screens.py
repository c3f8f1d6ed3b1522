"""The billing agent's payment screens: roles, import (happy, refused, again), history, the unmatched
queue with manual allocation / ignore / manual entry, and the queue's constant query count."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentImport,
    PaymentStatus,
)
from calsreg.billing.numbering import customer_code_for
from calsreg.records.models import AuditEvent, Evidence
from tests.billing import zengin_writer as zw
from tests.billing.invoice_helpers import make_project
from tests.factories import UserFactory
from tests.verification.helpers import signed_in_as

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
ECHIGO = {"contractor_name": "株式会社越後建設", "contractor_kana": "カブシキガイシャエチゴケンセツ"}
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _in_december_2026():
    with time_machine.travel(datetime(2026, 12, 1, 10, 0, tzinfo=JST), tick=False):
        yield


def make_invoice(*, total: int, company: dict[str, str] = ECHIGO) -> Invoice:
    """A posted invoice straight in the database (these tests are about the screens)."""
    project = make_project(**company)
    tax = total // 11
    return Invoice.objects.create(
        project=project,
        number=f"2026-{next(_numbers):06d}",
        status=InvoiceStatus.POSTED,
        billing_addressee=company["contractor_name"],
        payer_kana=company["contractor_kana"],
        billing_postcode="950-0088",
        billing_address="新潟県新潟市中央区万代1丁目1番1号",
        customer_code=customer_code_for(project_id=project.pk),
        transaction_date=date(2026, 11, 10),
        run_month=date(2026, 12, 1),
        issue_date=date(2026, 12, 1),
        posted_on=date(2026, 12, 2),
        due_on=date(2026, 12, 31),
        subtotal=total - tax,
        tax=tax,
        total=total,
    )


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (PaymentImport, Payment, PaymentAllocation, Evidence, AuditEvent)
    }


def upload(content: bytes, name: str = "notice.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.fixture
def agent_client(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    return client


ROLES = [
    (None, 302),
    (Role.CONTRACTOR, 403),
    (Role.HELP_DESK, 403),
    (Role.BILLING_AGENT, 200),
    (Role.ADMINISTRATOR, 200),
]


@pytest.mark.parametrize(("role", "expected"), ROLES)
def test_payment_screens_are_for_the_billing_agent_and_administrator_only(client, role, expected):
    signed_in_as(client, role)
    payment = Payment.objects.create(
        source="manual", received_on=date(2026, 11, 30), amount=1_000, payer_name="ﾔﾏﾀﾞ", payer_kana="ヤマダ"
    )

    statuses = [
        client.get(reverse("desk:billing_payment_import")).status_code,
        client.get(reverse("desk:billing_payment_imports")).status_code,
        client.get(reverse("desk:billing_payments_unmatched")).status_code,
    ]
    ignored = client.post(reverse("desk:billing_payment_ignore", args=[payment.pk]), {"reason": "返金"})
    imported = client.post(
        reverse("desk:billing_payment_import"),
        {"kind": "zengin", "file": upload(zw.notice_file([{"amount": 500, "name": "ｱ"}]))},
    )

    assert statuses == [expected] * 3
    payment.refresh_from_db()
    if expected == 200:
        assert ignored.status_code == 302 and payment.status == PaymentStatus.IGNORED
        assert imported.status_code == 302 and PaymentImport.objects.count() == 1
    else:
        assert (ignored.status_code, imported.status_code) == (expected, expected)
        assert payment.status == PaymentStatus.UNMATCHED and not PaymentImport.objects.exists()


def test_an_imported_file_shows_its_match_results_and_the_same_file_again_is_a_duplicate(agent_client):
    paid = make_invoice(total=44_000)
    short = make_invoice(
        total=66_000, company={"contractor_name": "新潟舗装株式会社", "contractor_kana": "ニイガタホソウ"}
    )
    content = zw.notice_file(
        [
            {"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ"},
            {"amount": 65_340, "name": "ﾆｲｶﾞﾀﾎｿｳ(ｶ", "edi": short.customer_code},
            {"amount": 12_345, "name": "ﾔﾏﾀﾞ ﾀﾛｳ"},
        ]
    )

    response = agent_client.post(
        reverse("desk:billing_payment_import"), {"kind": "zengin", "file": upload(content)}, follow=True
    )

    payment_import = PaymentImport.objects.get()
    assert response.redirect_chain == [
        (reverse("desk:billing_payment_import_detail", args=[payment_import.pk]), 302)
    ]
    page = response.content.decode()
    assert "「notice.txt」を取り込みました: 3件" in page
    assert paid.number in page and short.number in page
    assert "金額と振込依頼人名" in page and "請求書番号・お客様番号" in page
    assert "振込手数料差引 660円" in page
    assert "該当する請求書がありません" in page
    paid.refresh_from_db()
    assert paid.status == InvoiceStatus.PAID
    before = counts()

    again = agent_client.post(
        reverse("desk:billing_payment_import"),
        {"kind": "zengin", "file": upload(content, "again.txt")},
        follow=True,
    )

    assert "取込済みです" in again.content.decode() and "何も変更していません" in again.content.decode()
    assert counts() == before
    history = agent_client.get(reverse("desk:billing_payment_imports")).content.decode()
    assert "notice.txt" in history and "again.txt" not in history


def test_a_refused_file_lists_its_problems_with_line_and_field_and_saves_nothing(agent_client):
    make_invoice(total=44_000)
    content = zw.join(
        [
            zw.header(),
            zw.data(amount=44_000, name="ｶ)ｴﾁｺﾞｹﾝｾﾂ", reference=1),
            zw.data(amount="0000001X00", name="ﾔﾏﾀﾞ", reference=2),
            zw.trailer(count=2, total=44_100),
            zw.end(),
        ]
    )
    before = counts()

    response = agent_client.post(
        reverse("desk:billing_payment_import"), {"kind": "zengin", "file": upload(content)}
    )

    assert response.status_code == 422
    problems = [(p.line, str(p.label)) for p in response.context["problems"]]
    assert (3, "金額") in problems
    page = response.content.decode()
    assert 'id="import-problems"' in page and "何も保存していません" in page
    assert '<td class="number">3</td><td>金額</td>' in page
    assert counts() == before


def test_a_refused_csv_lists_its_problems(agent_client):
    before = counts()
    response = agent_client.post(
        reverse("desk:billing_payment_import"),
        {"kind": "csv", "file": upload("入金日,金額,振込依頼人名\nx,y,\n".encode(), "p.csv")},
    )
    assert response.status_code == 422
    assert response.context["problems"] and all(p.line >= 1 for p in response.context["problems"])
    assert counts() == before


def test_the_agent_allocates_a_queued_payment_to_an_invoice_by_its_number(agent_client):
    invoice = make_invoice(total=30_000)
    agent_client.post(
        reverse("desk:billing_payment_manual"),
        {"received_on": "2026-11-30", "amount": "30000", "payer_name": "ﾀﾞﾚｶ", "payer_code": ""},
    )
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.UNMATCHED
    queue = agent_client.get(reverse("desk:billing_payments_unmatched"))
    assert [p.pk for p in queue.context["page"].object_list] == [payment.pk]

    refused = agent_client.post(
        reverse("desk:billing_payment_allocate", args=[payment.pk]),
        {"invoice_number": "2099-999999", "amount": "30000"},
        follow=True,
    )
    assert "2099-999999 の請求書はありません" in refused.content.decode()
    assert not PaymentAllocation.objects.exists()

    done = agent_client.post(
        reverse("desk:billing_payment_allocate", args=[payment.pk]),
        {"invoice_number": invoice.number.replace("-", ""), "amount": "30000"},
        follow=True,
    )

    assert f"請求書 {invoice.number} に充当しました" in done.content.decode()
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.status, invoice.status) == (PaymentStatus.MATCHED, InvoiceStatus.PAID)
    assert list(done.context["page"].object_list) == []


def test_a_queued_payment_is_ignored_with_a_reason_and_refused_without(agent_client):
    payment = Payment.objects.create(
        source="manual", received_on=date(2026, 11, 30), amount=1_000, payer_name="ﾔﾏﾀﾞ", payer_kana="ヤマダ"
    )
    agent_client.post(reverse("desk:billing_payment_ignore", args=[payment.pk]), {"reason": " "})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.UNMATCHED

    agent_client.post(reverse("desk:billing_payment_ignore", args=[payment.pk]), {"reason": "返金済み"})
    payment.refresh_from_db()
    assert (payment.status, payment.ignored_reason) == (PaymentStatus.IGNORED, "返金済み")


def test_manual_entry_is_matched_at_once_and_refusals_are_shown(agent_client):
    invoice = make_invoice(total=22_000)
    response = agent_client.post(
        reverse("desk:billing_payment_manual"),
        {"received_on": "2026-11-30", "amount": "22000", "payer_name": "ﾀﾞﾚｶ", "payer_code": invoice.number},
        follow=True,
    )
    assert "消込済み" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    future = agent_client.post(
        reverse("desk:billing_payment_manual"),
        {"received_on": "2027-01-30", "amount": "1", "payer_name": "ﾀﾞﾚｶ"},
        follow=True,
    )
    assert "入金日に未来の日付は指定できません。" in future.content.decode()
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("n", [1, 7])
def test_the_queue_costs_the_same_queries_for_1_or_7_payments(agent_client, django_assert_num_queries, n):
    content = zw.notice_file([{"amount": 1_000 + i, "name": f"ﾔﾏﾀﾞ{i}"} for i in range(n)])
    agent_client.post(reverse("desk:billing_payment_import"), {"kind": "zengin", "file": upload(content)})
    Payment.objects.create(
        source="manual", received_on=date(2026, 11, 30), amount=5, payer_name="ｱ", payer_kana="ア"
    )
    agent_client.get(reverse("desk:billing_payments_unmatched"))  # warm the session

    # session, user, count, page (with the import joined)
    with django_assert_num_queries(5):
        response = agent_client.get(reverse("desk:billing_payments_unmatched"))

    assert len(response.context["page"].object_list) == n + 1
