"""The agent's side: manual entry, the unmatched queue, manual allocation, ignoring, taking back."""

from __future__ import annotations

from datetime import date

import pytest

from calsreg.billing.models import (
    Invoice,
    InvoiceStatus,
    MatchRule,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from calsreg.billing.payments_selectors import payments_unmatched
from calsreg.billing.services.payments import (
    payment_allocate,
    payment_allocation_remove,
    payment_create_manual,
    payment_ignore,
)
from calsreg.core.errors import Conflict, DomainError, ValidationFailed
from calsreg.records.models import AuditEvent
from tests.billing.test_payments_import import ECHIGO, SATO, _in_december_2026, agent, counts, make_invoice

__all__ = ["_in_december_2026", "agent"]  # fixtures shared with the import tests


def unknown_payment(actor, *, amount: int = 44_000) -> Payment:
    return payment_create_manual(
        received_on=date(2026, 11, 30), amount=amount, payer_name="ﾔﾏﾀﾞ ﾀﾛｳ", actor=actor
    )


@pytest.mark.django_db
def test_a_payment_typed_by_the_agent_is_matched_at_once(agent):
    invoice = make_invoice(total=33_000, company=SATO)

    payment = payment_create_manual(
        received_on=date(2026, 11, 30), amount=33_000, payer_name="ｻﾄｳｺｳﾑﾃﾝ(ｶ", actor=agent, note="窓口入金"
    )

    assert (payment.source, payment.status, payment.payment_import) == ("manual", PaymentStatus.MATCHED, None)
    assert [(a.invoice_id, a.amount, a.rule) for a in payment.allocations.all()] == [
        (invoice.pk, 33_000, MatchRule.AMOUNT_NAME)
    ]
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert AuditEvent.objects.filter(action="payment.entered", subject_id=payment.pk).count() == 1


@pytest.mark.django_db
def test_a_typed_payment_is_refused_with_every_problem(agent):
    with pytest.raises(ValidationFailed) as refused:
        payment_create_manual(received_on=date(2026, 12, 2), amount=0, payer_name=" ", actor=agent)

    assert [e.field for e in refused.value.errors] == ["received_on", "amount", "payer_name"]
    assert Payment.objects.count() == 0


@pytest.mark.django_db
def test_the_queue_lists_what_is_left_to_place_oldest_first(agent):
    later = payment_create_manual(received_on=date(2026, 11, 30), amount=5_000, payer_name="ｲ", actor=agent)
    earlier = payment_create_manual(received_on=date(2026, 11, 27), amount=7_000, payer_name="ﾛ", actor=agent)
    ignored = payment_create_manual(received_on=date(2026, 11, 1), amount=9_000, payer_name="ﾊ", actor=agent)
    payment_ignore(payment=ignored, reason="別サービスの入金", actor=agent)

    queue = list(payments_unmatched())

    assert queue == [earlier, later]
    assert [(p.allocated, p.unallocated) for p in queue] == [(0, 7_000), (0, 5_000)]


@pytest.mark.django_db
def test_the_agent_allocates_a_queued_payment_and_the_invoice_is_paid(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    payment = unknown_payment(agent)

    allocation = payment_allocate(payment=payment, invoice=invoice, amount=44_000, actor=agent)

    assert (allocation.amount, allocation.fee_shortfall, allocation.rule) == (44_000, 0, MatchRule.MANUAL)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.MATCHED
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert list(payments_unmatched()) == []


@pytest.mark.django_db
def test_a_manual_allocation_of_all_that_is_left_short_by_the_fee_settles_the_invoice(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    payment = unknown_payment(agent, amount=43_340)

    allocation = payment_allocate(payment=payment, invoice=invoice, amount=43_340, actor=agent)

    assert (allocation.amount, allocation.fee_shortfall, allocation.cash_amount) == (44_000, 660, 43_340)
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID


@pytest.mark.django_db
def test_one_payment_split_by_hand_over_two_invoices(agent):
    first = make_invoice(total=44_000, company=ECHIGO)
    second = make_invoice(total=33_000, company=SATO)
    payment = unknown_payment(agent, amount=60_000)

    payment_allocate(payment=payment, invoice=first, amount=44_000, actor=agent)
    payment_allocate(payment=payment, invoice=second, amount=16_000, actor=agent)

    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.MATCHED
    assert [Invoice.objects.get(pk=i.pk).status for i in (first, second)] == [
        InvoiceStatus.PAID,
        InvoiceStatus.POSTED,
    ]
    assert Invoice.objects.get(pk=second.pk).amount_paid == 16_000


@pytest.mark.django_db
def test_allocating_more_than_is_left_or_owed_is_refused_and_changes_nothing(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    payment = unknown_payment(agent, amount=50_000)
    before = counts()

    with pytest.raises(DomainError) as refused:
        payment_allocate(payment=payment, invoice=invoice, amount=50_000, actor=agent)

    assert (
        refused.value.message
        == "充当額は1円以上、入金の残り（50,000円）と請求書の未入金額（44,000円）以下です。"
    )
    assert counts() == before


@pytest.mark.django_db
def test_allocating_to_a_paid_invoice_is_refused(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO, status=InvoiceStatus.PAID)
    payment = unknown_payment(agent)

    with pytest.raises(Conflict):
        payment_allocate(payment=payment, invoice=invoice, amount=44_000, actor=agent)

    assert PaymentAllocation.objects.count() == 0


@pytest.mark.django_db
def test_ignoring_needs_a_reason_and_is_audited(agent):
    payment = unknown_payment(agent)

    with pytest.raises(DomainError):
        payment_ignore(payment=payment, reason="  ", actor=agent)
    payment_ignore(payment=payment, reason="返金済み", actor=agent)

    payment.refresh_from_db()
    assert (payment.status, payment.ignored_reason) == (PaymentStatus.IGNORED, "返金済み")
    event = AuditEvent.objects.get(action="payment.ignored")
    assert event.summary_display == "入金 44,000円（ヤマダ タロウ）を対象外にしました（理由: 返金済み）"


@pytest.mark.django_db
def test_taking_an_allocation_back_reopens_the_invoice_and_requeues_the_payment(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    payment = unknown_payment(agent)
    allocation = payment_allocate(payment=payment, invoice=invoice, amount=44_000, actor=agent)

    payment_allocation_remove(allocation=allocation, reason="別の会社の入金だった", actor=agent)

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.POSTED
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0
    assert list(payments_unmatched()) == [payment]
    assert AuditEvent.objects.filter(action="payment.allocation_removed", subject_id=invoice.pk).count() == 1


@pytest.mark.django_db
def test_a_settled_invoice_is_marked_paid_and_audited_by_the_invoice_side(agent):
    invoice = make_invoice(total=44_000, company=ECHIGO)
    payment = unknown_payment(agent)

    payment_allocate(payment=payment, invoice=invoice, amount=44_000, actor=agent)

    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.PAID
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 44_000
    assert AuditEvent.objects.filter(action="invoice.paid", subject_id=invoice.pk).count() == 1
