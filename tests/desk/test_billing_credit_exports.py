"""The invoice exports with fee credits: a credit is not a payment. 入金済み counts payments only,
the credit has its own column, and 残額 counts each yen still owed once (the credit's own row owes
nothing: it is already taken off the invoice it reduces)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from calsreg.accounts.models import Project, Role
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.services import billing_run, fee_change_settle
from calsreg.billing.services.payments import invoice_paid_amounts_rebuild, payment_create_manual
from calsreg.desk.billing.views.invoices import CSV_HEADER
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _invoice_with_a_fee_credit() -> tuple[Invoice, Invoice]:
    """A 22,000-yen invoice (4 × 5,000 + tax) reduced by a fee credit of 11,000 (period shortened)."""
    configured(monthly_fee=5_000)
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    with time_machine.travel(jst(2026, 12, 10, 14), tick=False), transaction.atomic():
        Project.objects.filter(pk=invoice.project_id).update(period_end=date(2027, 1, 31))
        credit = fee_change_settle(project=Project.objects.get(pk=invoice.project_id), actor=ACTOR)
    assert credit is not None
    return invoice, credit


def _csv_rows(client) -> dict[str, dict[str, str]]:
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    response = client.get(reverse("desk:billing_invoices_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    return {row["請求書番号"]: row for row in rows}


def _amounts(row: dict[str, str]) -> tuple[str, ...]:
    return (row["状態"], row["合計（円）"], row["入金済み（円）"], row["減額（円）"], row["残額（円）"])


def test_the_csv_counts_a_fee_credit_as_a_reduction_not_a_payment_and_once_in_the_remaining_amount(client):
    _invoice_with_a_fee_credit()

    rows = _csv_rows(client)

    assert "減額（円）" in CSV_HEADER
    assert _amounts(rows["2026-000001"]) == ("発行済み", "22000", "0", "11000", "11000")
    assert _amounts(rows["CN2026-000001"]) == ("発行済み", "-11000", "0", "0", "0")
    assert sum(int(row["残額（円）"]) for row in rows.values()) == 11_000


def test_the_csv_shows_paid_once_payments_cover_what_the_credit_left(client):
    invoice, _credit = _invoice_with_a_fee_credit()
    with time_machine.travel(jst(2027, 1, 20, 11), tick=False):
        payment_create_manual(
            received_on=date(2027, 1, 20),
            amount=11_000,
            payer_name=f"{invoice.customer_code} エチゴケンセツ",
            actor=ACTOR,
        )

    rows = _csv_rows(client)

    assert _amounts(rows["2026-000001"]) == ("入金済み", "22000", "11000", "11000", "0")


def test_an_invoice_settled_by_its_credit_alone_is_not_shown_as_paid(client):
    invoice, credit = _invoice_with_a_fee_credit()
    # A credit as large as the invoice (the whole period given back): settled, but nothing was paid.
    Invoice.objects.filter(pk=credit.pk).update(subtotal=-20_000, tax=-2_000, total=-22_000)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.PAID)
    invoice_paid_amounts_rebuild()  # the credit's total was edited directly: recompute the stored figure

    rows = _csv_rows(client)

    assert _amounts(rows["2026-000001"]) == ("減額により精算済み", "22000", "0", "22000", "0")


def test_the_excel_export_has_the_same_amounts_as_the_csv(client):
    _invoice_with_a_fee_credit()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))

    response = client.get(reverse("desk:billing_invoices_xlsx"))

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header == CSV_HEADER
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    first = by_number["2026-000001"]
    assert (first["入金済み（円）"], first["減額（円）"], first["残額（円）"]) == (0, 11_000, 11_000)
    assert by_number["CN2026-000001"]["残額（円）"] == 0
