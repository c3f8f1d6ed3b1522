"""The API's invoice balance counts a fee credit once: taken off the invoice it reduces, 0 on itself."""

from __future__ import annotations

import pytest

from calsreg.billing.models import Invoice
from tests.api.helpers import bearer, staff_token
from tests.desk.test_billing_credit_exports import _invoice_with_a_fee_credit

pytestmark = pytest.mark.django_db

BASE = "/api/billing"


def test_a_fee_credit_is_counted_once_in_the_balances(client):
    # Given: a 22,000-yen invoice reduced by an 11,000-yen fee credit, nothing paid.
    drafted, credit = _invoice_with_a_fee_credit()
    invoice = Invoice.objects.get(pk=drafted.pk)
    _user, secret = staff_token(role="billing_agent")

    # When: the billing agent's client lists the invoices.
    items = {
        item["number"]: item for item in client.get(f"{BASE}/invoices", **bearer(secret)).json()["items"]
    }

    # Then: 11,000 yen is owed in all, on the invoice; the credit's own balance is 0.
    assert (items[invoice.number]["amount_paid"], items[invoice.number]["balance"]) == (11_000, 11_000)
    assert (items[credit.number]["total"], items[credit.number]["balance"]) == (-11_000, 0)
    assert sum(item["balance"] for item in items.values()) == 11_000
