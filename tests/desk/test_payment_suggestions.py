"""The payments CSV documented on the import page with a sample written from the reader's own
columns, and the invoices suggested for an unmatched payment, matched in one click."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import InvoiceStatus, Payment, PaymentAllocation, PaymentStatus
from calsreg.billing.zengin.csv_payments import COLUMNS, parse_payments_csv
from tests.desk.test_payment_screens import ECHIGO, _in_december_2026, counts, make_invoice  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NIIGATA = {"contractor_name": "株式会社新潟舗装", "contractor_kana": "カブシキガイシャニイガタホソウ"}


@pytest.fixture
def agent_client(client):
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    return client


def _unmatched(agent_client, *, amount: int, payer_name: str, payer_code: str = "") -> Payment:
    agent_client.post(
        reverse("desk:billing_payment_manual"),
        {
            "received_on": "2026-11-30",
            "amount": str(amount),
            "payer_name": payer_name,
            "payer_code": payer_code,
        },
    )
    payment = Payment.objects.order_by("-pk").first()
    assert payment is not None and payment.status == PaymentStatus.UNMATCHED
    return payment


def test_the_import_page_documents_every_column_and_the_encoding(agent_client):
    page = agent_client.get(reverse("desk:billing_payment_import")).content.decode()

    assert "UTF-8" in page and "Shift_JIS" in page
    for label, aliases in COLUMNS.values():
        assert f'<th scope="row">{label}</th>' in page
        assert all(f"<code>{alias}</code>" in page for alias in aliases)
    assert reverse("desk:billing_payment_csv_sample") in page


def test_the_sample_csv_is_written_from_the_readers_columns_and_imports_as_it_stands(agent_client):
    response = agent_client.get(reverse("desk:billing_payment_csv_sample"))

    assert 'filename="payments-sample.csv"' in response["Content-Disposition"]
    content = response.content
    assert content.decode("utf-8").startswith("\ufeff" + ",".join(label for label, _a in COLUMNS.values()))
    [row] = parse_payments_csv(content, today=date(2026, 12, 1))
    assert (row.received_on, row.amount, row.payer_code) == (date(2026, 11, 30), 22_000, "C000123")


def test_an_unmatched_payment_suggests_the_invoices_by_amount_name_and_reference(agent_client):
    echigo = make_invoice(total=30_000)
    niigata = make_invoice(total=30_000, company=NIIGATA)
    other = make_invoice(total=44_000, company=NIIGATA)
    # Same amount as two companies' invoices, a payer name resembling one: the matcher does not guess.
    payment = _unmatched(agent_client, amount=30_000, payer_name="ｴﾁｺﾞｹﾝｾﾂｺｳｷﾞｮｳ")

    page = agent_client.get(reverse("desk:billing_payment_detail", args=[payment.pk]))

    shown = [(s.invoice.number, s.reasons) for s in page.context["suggestions"]]
    assert shown[0][0] == echigo.number
    assert shown[0][1][0] == "金額が未入金額と一致します"
    assert shown[0][1][1].startswith("振込依頼人名が似ています（一致度 ")
    assert shown[1] == (niigata.number, ["金額が未入金額と一致します"])
    assert other.number not in [number for number, _r in shown]
    assert f'id="match-{echigo.pk}"' in page.content.decode()


def test_a_reference_in_the_payment_suggests_its_invoice_whatever_the_amount(agent_client):
    invoice = make_invoice(total=30_000, company=NIIGATA)
    # Left unmatched (as a bank cancellation's reversal or a later reallocation would leave it).
    payment = Payment.objects.create(
        source="manual",
        received_on=date(2026, 11, 30),
        amount=12_345,
        payer_name="ﾀﾞﾚｶ",
        payer_kana="ダレカ",
        edi=invoice.customer_code,
    )

    page = agent_client.get(reverse("desk:billing_payment_detail", args=[payment.pk]))

    [suggestion] = page.context["suggestions"]
    assert (suggestion.invoice.pk, suggestion.amount) == (invoice.pk, 12_345)
    assert suggestion.reasons == ["請求書番号またはお客様番号が振込の情報にあります"]


def test_one_click_matches_through_the_matching_service(agent_client):
    invoice = make_invoice(total=30_000)
    payment = _unmatched(agent_client, amount=30_000, payer_name="ﾀﾞﾚｶ")
    page = agent_client.get(reverse("desk:billing_payment_detail", args=[payment.pk])).content.decode()
    assert f'<input type="hidden" name="invoice_number" value="{invoice.number}">' in page

    agent_client.post(
        reverse("desk:billing_payment_allocate", args=[payment.pk]),
        {"invoice_number": invoice.number, "amount": "30000"},
    )

    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert (payment.status, invoice.status) == (PaymentStatus.MATCHED, InvoiceStatus.PAID)
    after = agent_client.get(reverse("desk:billing_payment_detail", args=[payment.pk])).content.decode()
    assert "この入金は充当を待っていません。" in after


@pytest.mark.parametrize("n", [1, 6])
def test_the_suggestions_cost_the_same_queries_for_1_or_6_invoices(
    agent_client, django_assert_num_queries, n
):
    for _ in range(n):
        make_invoice(total=30_000)
    payment = _unmatched(agent_client, amount=30_000, payer_name="ﾀﾞﾚｶ")
    agent_client.get(reverse("desk:billing_payment_detail", args=[payment.pk]))  # warm the session

    with django_assert_num_queries(5):
        agent_client.get(reverse("desk:billing_payment_detail", args=[payment.pk]))


@pytest.mark.parametrize(("role", "status"), [(Role.HELP_DESK, 403), (Role.CONTRACTOR, 302), (None, 302)])
def test_the_suggestions_and_the_sample_are_refused_to_other_roles(client, role, status):
    invoice = make_invoice(total=30_000)
    payment = Payment.objects.create(
        source="manual", received_on=date(2026, 11, 30), amount=30_000, payer_name="ﾀﾞﾚｶ", payer_kana="ダレカ"
    )
    if role:
        client.force_login(UserFactory(role=role))
    before = counts()

    detail = client.get(reverse("desk:billing_payment_detail", args=[payment.pk]))
    sample = client.get(reverse("desk:billing_payment_csv_sample"))
    match = client.post(
        reverse("desk:billing_payment_allocate", args=[payment.pk]),
        {"invoice_number": invoice.number, "amount": "30000"},
    )

    assert (detail.status_code, sample.status_code) == (status, status)
    assert match.status_code in (302, 403) and not PaymentAllocation.objects.exists()
    assert counts() == before
    assert invoice.number not in detail.content.decode()
