"""The billing agent's invoice page: only the actions the invoice's state allows (billing's one
table, the same the services check), Japanese dates and a readable calculation basis."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.billing.errors import InvoiceNotOpen
from calsreg.billing.fee_basis import fee_basis_text
from calsreg.billing.invoice_actions import InvoiceAction, invoice_actions_available
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.services import billing_run, invoice_reissue, invoice_void, invoices_mark_posted
from tests.billing.invoice_helpers import ACTOR, configured, drafted, jst
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORMS = {
    "post": "invoice-posted-form",
    "arrival": "invoice-arrival-form",
    "defer": "invoice-deferral-form",
    "reissue": "invoice-reissue-form",
    "void": "invoice-void-form",
}


def _page(client, invoice: Invoice) -> str:
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    with time_machine.travel(jst(2026, 12, 3, 9), tick=False):
        return client.get(reverse("desk:billing_invoice_detail", args=[invoice.pk])).content.decode()


def _forms_shown(page: str) -> set[str]:
    return {action for action, form_id in FORMS.items() if f'id="{form_id}"' in page}


def _issued() -> Invoice:
    configured()  # 月額4,000円
    invoice = drafted(started_at=jst(2026, 11, 10))
    with time_machine.travel(jst(2026, 12, 1, 9), tick=False):
        billing_run(run_month=date(2026, 12, 1), actor=ACTOR)
    invoice.refresh_from_db()
    return invoice


def test_a_draft_offers_only_to_be_voided(client):
    configured()
    invoice = drafted(started_at=jst(2026, 11, 10))

    page = _page(client, invoice)

    assert _forms_shown(page) == {"void"}
    assert "再発行する" not in page and "取消の請求書を発行" not in page
    with pytest.raises(InvoiceNotOpen):
        invoice_reissue(invoice=invoice, reason="紛失", actor=ACTOR)


def test_an_issued_invoice_offers_posting_deferral_reissue_and_void_but_no_arrival(client):
    invoice = _issued()

    assert _forms_shown(_page(client, invoice)) == {"post", "defer", "reissue", "void"}


def test_a_posted_invoice_offers_arrival_instead_of_posting(client):
    invoice = _issued()
    with time_machine.travel(jst(2026, 12, 2, 9), tick=False):
        invoices_mark_posted(invoices=[invoice], posted_on=date(2026, 12, 2), actor=ACTOR)
    invoice.refresh_from_db()

    assert _forms_shown(_page(client, invoice)) == {"arrival", "defer", "reissue", "void"}


def test_a_void_invoice_and_its_credit_note_offer_what_the_services_allow(client):
    invoice = _issued()
    with time_machine.travel(jst(2026, 12, 2, 9), tick=False):
        credit = invoice_void(invoice=invoice, reason="宛先誤り", actor=ACTOR)
    invoice.refresh_from_db()

    void_page = _page(client, invoice)
    credit_page = _page(client, credit)

    assert _forms_shown(void_page) == set()
    assert "<h2>操作</h2>" not in void_page
    assert _forms_shown(credit_page) == {"post", "reissue"}


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_the_page_offers_exactly_the_actions_of_billings_table(client, status):
    invoice = _issued()
    Invoice.objects.filter(pk=invoice.pk).update(status=status, posted_on=date(2026, 12, 2))
    invoice.refresh_from_db()

    assert _forms_shown(_page(client, invoice)) == set(invoice_actions_available(invoice=invoice))
    assert {a.value for a in InvoiceAction} == set(FORMS)


def test_dates_are_japanese_and_the_basis_is_readable(client):
    invoice = _issued()

    page = _page(client, invoice)

    assert "2026年12月1日(火)" in page  # issue date
    assert "2026年12月" in page  # run month
    assert "2026-12-01" not in page
    assert "plan_id=" not in page and "rule=" not in page
    assert "月額4,000円 × 4か月（2026年12月〜2027年3月）" in page


@pytest.mark.parametrize(
    ("explanation", "text"),
    [
        (
            {
                "rule": "flat_monthly",
                "monthly_fee": 4000,
                "months": 4,
                "period_start": "2026-12-01",
                "period_end": "2027-03-19",
            },
            "月額4,000円 × 4か月（2026年12月〜2027年3月）",
        ),
        (
            {
                "rule": "initial_plus_monthly",
                "part": "monthly",
                "monthly_fee": 3000,
                "months": 4,
                "billable_months": 3,
                "free_months": 1,
                "period_start": "2026-12-01",
                "period_end": "2027-03-19",
            },
            "月額3,000円 × 3か月（2026年12月〜2027年3月、初月無料）",
        ),
        ({"rule": "initial_plus_monthly", "part": "initial", "initial_fee": 30000}, "初期費用 30,000円"),
        (
            {
                "rule": "tiered",
                "original_contract_amount": 48_400_000,
                "tier": {"up_to": 50_000_000, "amount": 40_000},
            },
            "当初の請負金額 48,400,000円 → 50,000,000円以下の区分 40,000円",
        ),
        (
            {"rule": "credit_note", "credited_invoice": "2026-000001", "credited_line": 1},
            "請求書 2026-000001 の明細1行目の取消",
        ),
        ({"rule": "fee_change", "change_text": "工期が2か月短くなるため…"}, "工期が2か月短くなるため…"),
        ({}, ""),
    ],
)
def test_the_basis_reads_each_rule(explanation, text):
    assert fee_basis_text(explanation) == text
