"""The stored paid amount (``Invoice.amount_paid``) kept by the payment services, and the matching's
statements per batch: constant in the number of transfers."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from calsreg.billing.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from calsreg.billing.services.payments import (
    invoice_paid_amounts_rebuild,
    invoice_payer_keys_rebuild,
    payment_allocate,
    payment_allocation_remove,
    payment_create_manual,
    payments_import_zengin,
)
from calsreg.billing.zengin.names import normalise_payer_name
from tests.billing import zengin_writer as zw
from tests.billing.test_payments_import import _in_december_2026, agent, make_invoice

__all__ = ["_in_december_2026", "agent"]

ECHIGO = {"contractor_name": "株式会社越後建設", "contractor_kana": "カブシキガイシャエチゴケンセツ"}
SATO = {"contractor_name": "株式会社佐藤工務店", "contractor_kana": "カブシキガイシャ サトウコウムテン"}


def assert_stored_equals_allocations() -> None:
    for invoice in Invoice.objects.all():
        allocated = PaymentAllocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] or 0
        assert invoice.amount_paid == allocated, invoice.number
    assert invoice_paid_amounts_rebuild() == 0


@pytest.mark.django_db
def test_the_stored_paid_amount_follows_every_allocation_and_removal(agent):
    # Given: 越後建設 owes two invoices, 佐藤工務店 one.
    first = make_invoice(total=44_000, company=ECHIGO, due_on=date(2026, 12, 31))
    second = make_invoice(total=22_000, company=ECHIGO, due_on=date(2027, 1, 31))
    sato = make_invoice(total=33_000, company=SATO)
    assert_stored_equals_allocations()

    # When: a file pays 越後建設's first invoice by code and part of 佐藤工務店's by code.
    content = zw.notice_file(
        [
            {"amount": 44_000, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "edi": first.number},
            {"amount": 10_000, "name": "ｶ)ｻﾄｳｺｳﾑﾃﾝ", "edi": sato.customer_code},
        ]
    )
    payments_import_zengin(content=content, filename="a.txt", actor=agent)
    # Then
    assert_stored_equals_allocations()
    assert Invoice.objects.get(pk=first.pk).amount_paid == 44_000
    assert Invoice.objects.get(pk=sato.pk).amount_paid == 10_000

    # When: the agent types a payment nobody matches and allocates it by hand to the second invoice.
    manual = payment_create_manual(
        received_on=date(2026, 11, 30), amount=22_000, payer_name="ﾀﾞﾚｶ", actor=agent
    )
    allocation = payment_allocate(payment=manual, invoice=second, amount=22_000, actor=agent)
    assert_stored_equals_allocations()
    assert Invoice.objects.get(pk=second.pk).status == InvoiceStatus.PAID

    # When: the agent takes that allocation back.
    payment_allocation_remove(allocation=allocation, reason="誤った充当", actor=agent)
    assert_stored_equals_allocations()
    assert Invoice.objects.get(pk=second.pk).amount_paid == 0
    assert Invoice.objects.get(pk=second.pk).status == InvoiceStatus.POSTED

    # When: the rest of 佐藤工務店's invoice comes in a second file (amount + name).
    payments_import_zengin(
        content=zw.notice_file([{"amount": 23_000, "name": "ｶ)ｻﾄｳｺｳﾑﾃﾝ"}]), filename="b.txt", actor=agent
    )
    assert_stored_equals_allocations()
    assert Invoice.objects.get(pk=sato.pk).status == InvoiceStatus.PAID


@pytest.mark.django_db
def test_rebuild_repairs_a_wrong_stored_paid_amount(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    payment_create_manual(
        received_on=date(2026, 11, 30),
        amount=44_000,
        payer_name="ｶ)ｴﾁｺﾞｹﾝｾﾂ",
        payer_code=invoice.number,
        actor=agent,
    )
    Invoice.objects.filter(pk=invoice.pk).update(amount_paid=1)

    assert invoice_paid_amounts_rebuild() == 1

    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 44_000
    assert invoice_paid_amounts_rebuild() == 0


def _import_queries(agent, count: int, tag: str, base: int) -> int:
    # Distinct amounts: a transfer with the same reference, day and amount as one already imported is skipped.
    invoices = [make_invoice(total=base + i, company=ECHIGO) for i in range(count)]
    transfers = [
        {"amount": invoice.total, "name": "ｶ)ｴﾁｺﾞｹﾝｾﾂ", "edi": invoice.number} for invoice in invoices
    ]
    with CaptureQueriesContext(connection) as queries:
        payments_import_zengin(content=zw.notice_file(transfers), filename=f"{tag}.txt", actor=agent)
    assert Payment.objects.filter(status="matched", payer_name__startswith="ｶ)").count() >= count
    assert Invoice.objects.filter(pk__in=[i.pk for i in invoices], status=InvoiceStatus.PAID).count() == count
    return len(queries)


@pytest.mark.django_db
def test_importing_more_transfers_takes_no_more_statements(agent, settings):
    # Given: one batch holds every transfer of the file.
    settings.PAYMENT_MATCH_BATCH = 100
    # When: 3, then 30 transfers are imported, each paying its own invoice by number.
    few = _import_queries(agent, 3, "few", 11_000)
    many = _import_queries(agent, 30, "many", 22_000)
    # Then: the same statements for ten times the transfers (per batch, not per transfer).
    assert many == few
    assert few <= 45  # the whole import: file, evidence, one batch inserted and matched, the result


@pytest.mark.django_db
def test_payer_keys_rebuild_fills_invoices_written_around_save():
    invoice = make_invoice(total=44_000, company=ECHIGO)
    Invoice.objects.filter(pk=invoice.pk).update(payer_key="")  # as a bulk load leaves it

    assert invoice_payer_keys_rebuild() == 1
    invoice.refresh_from_db()
    assert invoice.payer_key == normalise_payer_name(invoice.payer_kana)[:100] != ""
    assert invoice_payer_keys_rebuild() == 0
