"""The applicant's main journey in a real browser: top page → web form (htmx) → receipt."""

from __future__ import annotations

import re

import pytest

from calsreg.applications.models import Application
from calsreg.directory.demo import load_demo_directory
from calsreg.portal.demo import load_demo_notices
from calsreg.records.services import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECT = {
    "#project_number": "R8-新潟-土木-0456",
    "#project_name": "信濃川右岸護岸設置工事",
    "#project_location": "新潟市中央区白山浦地内",
    "#period_start": "2026-12-01",
    "#period_end": "2027-03-19",
    "#contract_amount": "48400000",
    "#contract_date": "2026-11-20",
    "#contractor_name": "株式会社越後建設",
    "#contractor_kana": "カブシキガイシャエチゴケンセツ",
    "#contractor_representative": "越後 正樹",
    "#contractor_postcode": "950-0088",
    "#contractor_address": "新潟県新潟市中央区万代1丁目1番1号",
    "#contractor_phone": "025-244-1234",
    "#applicant_name": "田中 一郎",
    "#applicant_kana": "タナカ イチロウ",
    "#applicant_email": "tanaka@echigo-kensetsu.example.co.jp",
    "#applicant_phone": "090-1234-5678",
    "#billing_addressee": "株式会社越後建設",
    "#billing_postcode": "950-0088",
    "#billing_address": "新潟県新潟市中央区万代1丁目1番1号",
    "#billing_phone": "025-244-1234",
}
SITE_AGENT = {
    "#users-1-name": "田中 一郎",
    "#users-1-kana": "タナカ イチロウ",
    "#users-1-email": "tanaka@echigo-kensetsu.example.co.jp",
    "#users-1-phone": "090-1234-5678",
    "#users-1-requested_id": "tanaka",
}


def test_applicant_applies_on_the_web_form_and_sees_the_receipt_number(live_server, page, screenshot):
    load_demo_directory(actor=Actor.system())
    load_demo_notices()

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "新潟県CALSシステム 利用申込"
    screenshot(page, "portal-top")

    page.locator(".hero").get_by_role("link", name="申し込む", exact=True).click()
    page.wait_for_url(re.compile(r"/apply/$"))
    page.select_option("#office", "1503")
    # htmx replaces the placeholder with the office's supervisors from the directory
    first_supervisor = page.locator("#supervisor-choices input[type=checkbox]").first
    first_supervisor.wait_for()
    first_supervisor.check()
    for selector, value in PROJECT.items():
        page.fill(selector, value)
    page.select_option("#users-1-role", "site_agent")
    for selector, value in SITE_AGENT.items():
        page.fill(selector, value)
    page.get_by_role("button", name=re.compile("利用者の行を追加")).click()
    page.locator("#users-4-role").wait_for()
    assert page.locator("#user-rows-count").input_value() == "4"
    page.check("#terms_accepted")
    screenshot(page, "portal-apply")

    page.get_by_role("button", name="入力内容を確認する").click()
    # The confirmation page shows what will be sent; nothing is stored before "この内容で申し込む".
    page.locator("h1", has_text="申込内容の確認").wait_for()
    assert "信濃川右岸護岸設置工事" in page.locator("main").inner_text()
    assert Application.objects.count() == 0
    screenshot(page, "portal-apply-review")
    page.get_by_role("button", name="この内容で申し込む").click()
    page.wait_for_url(re.compile(r"/apply/receipt/"))

    number = page.locator("#receipt-number").inner_text()
    assert re.fullmatch(r"A\d{4}-\d{5}", number)
    application = Application.objects.get(receipt_number=number)
    assert application.supervisors.count() == 1
    assert list(application.users.values_list("requested_id", flat=True)) == ["tanaka"]
