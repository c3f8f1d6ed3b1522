"""The help desk's change-request journey in a real browser: the queue → one request with its diff →
the call-back to each person whose data changes, at their number on file (never the number on the
form, never the filer) → the items confirmed → applied."""

from __future__ import annotations

import re

import pytest
import time_machine
from playwright.sync_api import Page

from calsreg.accounts.models import Project, Role, User
from calsreg.billing.services import invoice_draft_for_project
from calsreg.changes.models import CallBack, ChangeRequest, ChangeStatus
from calsreg.records.services import Actor
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, started
from tests.billing.invoice_helpers import configured
from tests.changes.callback_helpers import STATED_PHONE, file_change
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


def _filed() -> ChangeRequest:
    """A project in use with its invoice drafted, and a request from its site agent's my page: a
    longer construction period and a user's new mobile number, with a number on the form of its own."""
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=False):  # a start of use within the period
        project, accounts = started()
    configured(organisation=project.office.organisation, monthly_fee=5_000)
    invoice_draft_for_project(project=project, actor=Actor.system("test"))
    tanaka = next(user for user in accounts if user.username.startswith("tanaka."))
    suzuki = next(user for user in accounts if user.username.startswith("suzuki2."))
    UserFactory(username="uketsuke", role=Role.HELP_DESK, display_name="受付 花子")
    return file_change(
        project,
        {"field": "period_end", "value": "2027-05-31"},
        {"field": "user.phone", "target": suzuki.username, "value": "080-7777-8888"},
        channel="my_page",
        filed_by=tanaka,
    )


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/desk/")
    page.fill("#id_username", "uketsuke")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(f"{base}/desk/")


def test_operator_calls_back_the_number_on_file_confirms_and_applies(live_server, page, screenshot):
    change = _filed()
    project = change.project
    tanaka, suzuki = change.filed_by, User.objects.get(username=change.items.get(position=2).target)
    applicant_phone = project.application.applicant_phone
    base = live_server.url

    _sign_in(page, base)
    page.locator("header").get_by_role("link", name="変更申込", exact=True).click()
    page.wait_for_url(f"{base}/desk/changes/")
    assert page.locator("h1").inner_text() == "変更申込の一覧"
    row = page.locator("#change-queue tbody tr")
    assert row.count() == 1 and "受付済み（本人確認前）" in row.inner_text()
    page.get_by_role("link", name=change.number).click()

    # The request: the diff against the registration, the fee impact, the stated number apart.
    page.wait_for_url(re.compile(rf"/desk/changes/{change.pk}/$"))
    assert change.number in page.locator("h1").inner_text()
    assert "2027年5月31日" in page.locator("#change-item-1").inner_text()
    assert "080-7777-8888" in page.locator("#change-item-2").inner_text()
    assert page.locator("#fee-impact").is_visible()
    assert STATED_PHONE in page.locator("#stated-phone").inner_text()

    # The panel (htmx): per item, whose data it is and that person's number on file; nothing chosen.
    form = page.locator("#change-callback-form")
    form.wait_for()
    people = page.locator("#items-by-person")
    assert STATED_PHONE not in people.inner_text()
    assert applicant_phone in page.locator("#person-item-1").inner_text()
    assert suzuki.phone in page.locator("#person-item-2").inner_text()
    assert page.locator(f'input[name="contact"][value="{STATED_PHONE}"]').count() == 0
    assert page.locator(f'input[name="contact"][value="{tanaka.username}"]').count() == 0  # the filer
    assert page.locator("input[name=contact]:checked, input[name=outcome]:checked").count() == 0
    assert "申込書に記載の番号（発信には使いません）" in page.locator("#stated-phone-panel").inner_text()

    # First call: the applicant, at the applicant's number on file, confirms the period.
    page.locator('.person-to-call[data-person="applicant"] input[name="contact"]').check()
    page.locator("#call-outcome input[value=confirmed]").check()
    page.locator("#decision-1 input[value=confirmed]").check()
    page.fill('textarea[name="note"]', "工期の延長を申込担当者に確認")
    page.get_by_role("button", name="通話を記録する").click()

    # The user's number is suzuki's data: the panel now offers suzuki only, at suzuki's number on file.
    page.locator(f'.person-to-call[data-person="{suzuki.username}"]').wait_for()
    assert "本人の確認を記録しました" in page.locator(".messages").inner_text()
    assert page.locator('.person-to-call[data-person="applicant"]').count() == 0
    page.locator(f'.person-to-call[data-person="{suzuki.username}"] input[name="contact"]').check()
    page.locator("#call-outcome input[value=confirmed]").check()
    page.locator("#decision-2 input[value=confirmed]").check()
    page.fill('textarea[name="note"]', "携帯番号の変更を鈴木さん本人に確認")
    page.get_by_role("button", name="通話を記録する").click()

    # Verified: what will be applied is listed; then it is applied.
    apply_form = page.locator("#change-apply-form")
    apply_form.wait_for()
    assert "本人確認の電話を記録しました" in page.locator(".messages").inner_text()
    assert page.locator("#items-to-apply li").count() == 2
    calls = list(CallBack.objects.order_by("pk").values_list("contact", "phone_number"))
    assert calls == [("applicant", applicant_phone), (suzuki.username, suzuki.phone)]
    assert page.locator("#call-backs").get_by_text(applicant_phone).is_visible()
    screenshot(page, "desk-change")
    page.get_by_role("button", name="反映する内容を確認する").click()
    page.locator("#apply-preview").wait_for()
    assert page.locator(".apply-item[data-applied=yes]").count() == 2
    screenshot(page, "preview-change-apply")
    page.get_by_role("button", name="この内容で反映する").click()

    page.locator("#change-closed").wait_for()
    assert page.locator("#change-status").inner_text() == "反映済み"
    assert "確認できた項目を反映しました" in page.locator(".messages").inner_text()
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPLIED
    assert Project.objects.get(pk=project.pk).period_end.isoformat() == "2027-05-31"
    assert User.objects.get(username=change.items.get(position=2).target).phone == "080-7777-8888"
