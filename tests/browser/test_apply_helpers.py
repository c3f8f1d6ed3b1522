"""The apply form's conveniences in a real browser: 「受注者（会社）と同じ」 fills the billing address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from calsreg.directory.demo import load_demo_directory
from calsreg.records.services import Actor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_billing_box_copies_the_contractor_s_address_and_follows_it(live_server, page, screenshot):
    load_demo_directory(actor=Actor.system())
    page.goto(live_server.url + "/apply/")
    page.fill("#contractor_name", "株式会社越後建設")
    page.fill("#contractor_postcode", "950-0088")
    # The postcode's look-up fills the town first (the next test is about that); then the rest is typed.
    expect(page.locator("#contractor_address")).to_have_value("新潟県新潟市中央区万代")
    page.fill("#contractor_address", "新潟県新潟市中央区万代1丁目1番1号")
    page.fill("#contractor_phone", "025-244-1234")

    page.check("#billing_same_as_contractor")

    assert page.input_value("#billing_addressee") == "株式会社越後建設"
    assert page.input_value("#billing_postcode") == "950-0088"
    assert page.input_value("#billing_address") == "新潟県新潟市中央区万代1丁目1番1号"
    assert page.input_value("#billing_phone") == "025-244-1234"
    assert page.locator("#billing_address").get_attribute("readonly") is not None
    page.fill("#contractor_phone", "025-244-9999")
    assert page.input_value("#billing_phone") == "025-244-9999"
    page.locator("#section-billing").scroll_into_view_if_needed()
    screenshot(page, "apply-billing-same")

    page.uncheck("#billing_same_as_contractor")
    page.fill("#billing_address", "新潟県新潟市中央区別の住所1番地")
    assert page.input_value("#billing_address") == "新潟県新潟市中央区別の住所1番地"


def test_a_typed_postcode_fills_the_address_and_leaves_a_typed_one_alone(live_server, page, screenshot):
    load_demo_directory(actor=Actor.system())
    page.goto(live_server.url + "/apply/")

    page.fill("#contractor_postcode", "９５０－００８８")  # full width, as often typed

    # expect() polls without evaluating a string (which the page's CSP would block).
    expect(page.locator("#contractor_address")).to_have_value("新潟県新潟市中央区万代")
    page.locator("#section-contractor").scroll_into_view_if_needed()
    screenshot(page, "apply-postcode")
    page.fill("#contractor_address", "新潟県新潟市中央区万代1丁目1番1号")
    page.fill("#contractor_postcode", "100-0001")
    page.wait_for_timeout(500)
    assert page.input_value("#contractor_address") == "新潟県新潟市中央区万代1丁目1番1号"
