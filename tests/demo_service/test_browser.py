"""The demo walked in Chromium: a contractor signs in to the demo service through calsreg, sees the
project, and signs out there (RP-initiated logout at calsreg); and the whole story through the real
parts — the billing agent's sweep suspends the project for an unpaid invoice, the worker delivers the
back-channel logout, the next sign-in is refused, a payment reinstates — every page under its CSP."""

from __future__ import annotations

import re

import pytest
import time_machine
from playwright.sync_api import expect

from calsreg.accounts.models import User
from calsreg.billing.services import billing_suspension_sweep
from calsreg.billing.services.payments import payment_create_manual
from calsreg.sso.models import LogoutDelivery, LogoutStatus
from tests.accounts.helpers import PASSWORD, started
from tests.billing.dunning_helpers import SITE_AGENT_EMAIL, posted_invoice
from tests.billing.invoice_helpers import ACTOR, jst, standard_tax_rate
from tests.demo_service.helpers import DemoService

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contractor_signs_in_to_the_demo_service_through_calsreg_and_out_again(service, page, screenshot):
    # given: a project in use; its site agent has a calsreg ID and password
    project, (tanaka, _suzuki, _supervisor) = started()
    tanaka.must_change_password = False
    tanaka.save(update_fields=["must_change_password"])

    # when: at the service, "calsregでログイン", then calsreg's login form
    page.goto(service.url + "/")
    page.get_by_role("button", name="calsregでログイン").click()
    page.wait_for_url(re.compile(r".*/mypage/login/.*"))
    page.fill("input[name=username]", tanaka.username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(service.url + "/")

    # then: signed in there, with the project from the claims
    row = page.locator("tbody tr")
    assert row.count() == 1
    assert row.first.inner_text().split("\t")[:5] == [
        project.project_number,
        project.name,
        project.office.name,
        "現場代理人",
        "利用中",
    ]
    assert page.get_by_text(f"{tanaka.display_name}（{tanaka.username}）").is_visible()
    screenshot(page, "demo-service")

    # when: sign out, confirmed on calsreg's page
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url(re.compile(r".*/oidc/logout/.*"))
    page.locator("main form button[type=submit]").first.click()

    # then: back at the service, signed out
    page.wait_for_url(service.url + "/")
    assert page.get_by_role("button", name="calsregでログイン").is_visible()


# --- the whole story: suspension for non-payment, back-channel logout, payment, reinstatement -----

SUSPENDED_REFUSAL = "利用料のお支払いが確認できないため、工事の利用を停止しています。"
THE_MORNING_AFTER_THE_DUE_DATE = jst(2027, 2, 2, 9)


@pytest.fixture
def service_after_the_due_date(settings, live_server, tmp_path):
    """The demo service, started (its process on the same clock) the morning after an invoice's due date."""
    # The worker names the logout tokens' issuer from the site's address: the live server's.
    settings.SITE_URL = live_server.url
    with time_machine.travel(THE_MORNING_AFTER_THE_DUE_DATE, tick=True):
        demo = DemoService(directory=tmp_path, issuer=live_server.url)
        demo.register()
        demo.start()
        yield demo
        demo.stop()


def _sign_in_at_calsreg(page, service, username: str) -> None:
    page.goto(service.url + "/")
    page.get_by_role("button", name="calsregでログイン").click()
    page.wait_for_url(re.compile(r".*/mypage/login/.*"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")


def _project_row(page) -> list[str]:
    return page.locator("tbody tr").first.inner_text().split("\t")[:5]


def test_the_demo_walk_suspension_for_non_payment_signs_out_and_payment_lets_back_in(
    service_after_the_due_date, page, screenshot, run_tasks
):
    service = service_after_the_due_date
    # given: a project in use with an invoice posted in December, due 2027-02-01 and still unpaid;
    # the service has mirrored it from the webhooks (the tax rate is seeded by a migration, which an
    # earlier transactional test's flush removed)
    standard_tax_rate()
    project, invoice = posted_invoice()
    site_agent = User.objects.get(email=SITE_AGENT_EMAIL)
    run_tasks()
    row = [project.project_number, project.name, project.office.name, "現場代理人"]

    # when: the site agent signs in at the service through calsreg
    _sign_in_at_calsreg(page, service, site_agent.username)
    page.wait_for_url(service.url + "/")

    # then: the project is listed, in use
    assert _project_row(page) == [*row, "利用中"]
    screenshot(page, "demo-walk-1-signed-in")

    # when: the billing agent's daily sweep suspends the project, and the worker runs
    assert billing_suspension_sweep() == 1
    run_tasks()

    # then: the service got one logout token and ended its session: a reload shows the sign-in button
    assert list(LogoutDelivery.objects.values_list("status", "attempts", "last_status")) == [
        (LogoutStatus.DELIVERED, 1, 200)
    ]
    page.reload()
    expect(page.get_by_role("button", name="calsregでログイン")).to_be_visible()
    assert service.rows("SELECT COUNT(*) FROM demo_service_signedin") == [(0,)]
    assert service.mirror()["projects"][0][3] == "suspended"  # and its mirror heard of the suspension
    screenshot(page, "demo-walk-2-signed-out-by-suspension")

    # when: the site agent tries to sign in again
    _sign_in_at_calsreg(page, service, site_agent.username)

    # then: calsreg refuses, saying why in Japanese; the service still has nobody signed in
    expect(page.get_by_role("alert")).to_contain_text(SUSPENDED_REFUSAL)
    screenshot(page, "demo-walk-3-sign-in-refused")
    page.goto(service.url + "/")
    expect(page.get_by_role("button", name="calsregでログイン")).to_be_visible()
    assert service.rows("SELECT COUNT(*) FROM demo_service_signedin") == [(0,)]

    # when: the transfer comes in with the customer code, the agent records it (matched by the code,
    # the invoice is paid, the project reinstated), and the worker runs
    payment_create_manual(
        received_on=THE_MORNING_AFTER_THE_DUE_DATE.date(),
        amount=invoice.total,
        payer_name="エチゴケンセツ（カ",
        payer_code=invoice.customer_code,
        actor=ACTOR,
    )
    run_tasks()

    # then: signing in works again and the project is in use
    _sign_in_at_calsreg(page, service, site_agent.username)
    page.wait_for_url(service.url + "/")
    assert _project_row(page) == [*row, "利用中"]
    screenshot(page, "demo-walk-4-signed-in-after-payment")
    # and the service's mirror received the suspension then the reinstatement, and shows it in use
    assert service.rows(
        "SELECT type FROM demo_service_receivedevent WHERE type LIKE 'project.%' ORDER BY cursor"
    )[-2:] == [("project.suspended",), ("project.reinstated",)]
    page.get_by_role("link", name="工事・メンバー（イベントから同期）").click()
    expect(page.locator("main section p").first).to_contain_text(f"{project.office.name}／利用中／")
    screenshot(page, "demo-walk-5-mirror")
