"""The billing agent in a real browser: a billing run posted in one action (due dates set), the
invoice page with only its state's actions and a readable basis, the documented CSV import, the
suggestions for an unmatched payment, and the suspended projects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page

from calsreg.accounts.models import Project, ProjectStatus, Role
from calsreg.billing.models import Invoice, InvoiceStatus, Payment
from calsreg.billing.services import billing_run
from calsreg.core import clock
from tests.billing.invoice_helpers import ACTOR, configured, drafted
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def _sign_in(page: Page, base: str, *, username: str, next_path: str) -> None:
    page.goto(f"{base}{next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(f"{base}{next_path}")


def test_the_billing_agent_posts_a_run_in_one_action_and_works_the_receivables(live_server, page, screenshot):
    configured()
    started = clock.now() - timedelta(days=3)
    drafts = [drafted(started_at=started - timedelta(hours=n)) for n in range(3)]
    run = billing_run(run_month=drafts[0].run_month, actor=ACTOR)
    UserFactory(username="seikyu", role=Role.BILLING_AGENT, display_name="請求 一郎")
    base = live_server.url

    _sign_in(page, base, username="seikyu", next_path=f"/desk/billing/runs/{run.pk}/")
    assert page.locator("#run-posting").inner_text().startswith("未郵送 3件")
    page.get_by_role("button", name="3件をまとめて郵送済みにする").click()
    page.wait_for_url(f"{base}/desk/billing/runs/{run.pk}/")
    assert "3件を郵送済みにしました" in page.content()
    assert page.locator("#run-posting").inner_text().startswith("未郵送 0件・郵送済み 3件")
    assert set(Invoice.objects.values_list("status", flat=True)) == {InvoiceStatus.POSTED}
    assert Invoice.objects.filter(due_on__isnull=True).count() == 0
    screenshot(page, "billing-run-posted")

    invoice = Invoice.objects.order_by("number").first()
    assert invoice is not None
    page.goto(f"{base}/desk/billing/invoices/{invoice.pk}/")
    assert page.locator("#invoice-posted-form").count() == 0
    assert page.locator("#invoice-arrival-form").count() == 1
    assert "月額4,000円 × " in page.locator("#invoice-lines").inner_text()
    screenshot(page, "billing-invoice")

    page.goto(f"{base}/desk/billing/")
    screenshot(page, "billing-invoices")

    page.goto(f"{base}/desk/billing/payments/import/")
    assert page.locator("#csv-columns tbody tr").count() == 5
    screenshot(page, "billing-payment-import")

    payment = Payment.objects.create(
        source="manual",
        received_on=clock.today(),
        amount=invoice.total,
        payer_name="ｴﾁｺﾞｹﾝｾﾂｺｳｷﾞｮｳ",
        payer_kana="エチゴケンセツコウギョウ",
    )
    page.goto(f"{base}/desk/billing/payments/{payment.pk}/")
    assert page.locator("#payment-suggestions tbody tr").count() == 3
    screenshot(page, "billing-payment-suggestions")
    page.locator(f"#match-{invoice.pk} button").click()
    page.wait_for_url(f"{base}/desk/billing/payments/")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID

    Project.objects.filter(pk=drafts[1].project_id).update(
        status=ProjectStatus.SUSPENDED, suspended_at=clock.now()
    )
    page.goto(f"{base}/desk/billing/suspended/")
    assert page.locator("#suspended-projects tbody tr").count() == 1
    screenshot(page, "billing-suspended")
