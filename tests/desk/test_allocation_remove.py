"""Taking back a payment's allocation from the invoice page: billing agents only, with a reason and a
ticked confirmation, for an allocation of that invoice; audited; refusals change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.models import Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentStatus
from calsreg.billing.services.payments import payment_allocate, payment_create_manual
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.desk.test_payment_screens import _in_december_2026, make_invoice
from tests.factories import UserFactory
from tests.verification.helpers import signed_in_as

__all__ = ["_in_december_2026"]

pytestmark = pytest.mark.django_db


def allocated(total: int = 44_000) -> tuple[Invoice, PaymentAllocation]:
    """A posted invoice paid in full by a payment the agent allocated by hand."""
    invoice = make_invoice(total=total)
    actor = Actor.staff(UserFactory(role=Role.BILLING_AGENT))
    payment = payment_create_manual(
        received_on=date(2026, 11, 30), amount=total, payer_name="ﾀﾞﾚｶ", actor=actor
    )
    allocation = payment_allocate(payment=payment, invoice=invoice, amount=total, actor=actor)
    return Invoice.objects.get(pk=invoice.pk), allocation


def url(invoice: Invoice, allocation: PaymentAllocation) -> str:
    return reverse("desk:billing_invoice_allocation_remove", args=[invoice.pk, allocation.pk])


def state() -> tuple:
    return (
        list(PaymentAllocation.objects.values_list("pk", "invoice_id", "amount").order_by("pk")),
        list(Invoice.objects.values_list("pk", "status", "amount_paid").order_by("pk")),
        list(Payment.objects.values_list("pk", "status").order_by("pk")),
        AuditEvent.objects.count(),
    )


def test_the_agent_takes_an_allocation_back_from_the_invoice_page(client):
    # Given: a paid invoice; the agent sees the remove button on its allocation list.
    invoice, allocation = allocated()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    page = client.get(reverse("desk:billing_invoice_detail", args=[invoice.pk])).content.decode()
    assert f'id="allocation-remove-form-{allocation.pk}"' in page

    # When: the agent gives a reason and confirms.
    response = client.post(url(invoice, allocation), {"reason": "別の工事の入金でした", "confirmed": "on"})

    # Then: the allocation is gone, the invoice owes again, the payment waits in the queue, audited.
    assert response.status_code == 302
    assert not PaymentAllocation.objects.filter(pk=allocation.pk).exists()
    assert Invoice.objects.values_list("status", "amount_paid").get(pk=invoice.pk) == (
        InvoiceStatus.POSTED,
        0,
    )
    assert Payment.objects.get(pk=allocation.payment_id).status == PaymentStatus.UNMATCHED
    event = AuditEvent.objects.get(action="payment.allocation_removed", subject_id=invoice.pk)
    assert event.summary_params["reason"] == "別の工事の入金でした"
    assert event.actor_label


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 302), (Role.HELP_DESK, 403), ("contractor", 403), ("supervisor", 403)]
)
def test_only_billing_staff_may_take_an_allocation_back(client, role, expected):
    invoice, allocation = allocated()
    signed_in_as(client, role)
    before = state()

    response = client.post(url(invoice, allocation), {"reason": "不正", "confirmed": "on"})

    assert response.status_code == expected
    assert state() == before


def test_without_the_confirmation_or_a_reason_nothing_is_taken_back(client):
    invoice, allocation = allocated()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    before = state()

    unconfirmed = client.post(url(invoice, allocation), {"reason": "誤り"})
    no_reason = client.post(url(invoice, allocation), {"reason": " ", "confirmed": "on"})

    assert (unconfirmed.status_code, no_reason.status_code) == (302, 302)
    assert state() == before


def test_an_allocation_of_another_invoice_is_not_found_and_kept(client):
    # Given: two invoices, each paid; the attacker names invoice A's page with invoice B's allocation.
    first, _first_allocation = allocated(total=44_000)
    _second, second_allocation = allocated(total=22_000)
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    before = state()

    response = client.post(url(first, second_allocation), {"reason": "誤り", "confirmed": "on"})

    assert response.status_code == 404
    assert state() == before


def test_a_second_removal_of_the_same_allocation_changes_nothing(client):
    invoice, allocation = allocated()
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    client.post(url(invoice, allocation), {"reason": "誤り", "confirmed": "on"})
    before = state()

    again = client.post(url(invoice, allocation), {"reason": "誤り", "confirmed": "on"})

    assert again.status_code == 404
    assert state() == before
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == 0
