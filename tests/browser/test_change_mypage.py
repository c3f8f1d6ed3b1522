"""A contractor files a change from my page in a real browser: a longer period and a colleague's new
phone number. The fee impact appears as the date is typed; the receipt says what happens next; the
project itself is unchanged until the help desk has called back a number on file."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from calsreg.accounts.models import Project, User
from calsreg.changes.models import ChangeChannel, ChangeRequest, ChangeStatus
from tests.accounts.helpers import PASSWORD, started
from tests.billing.invoice_helpers import configured
from tests.factories import SupervisorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contractor_files_a_period_extension_and_a_phone_correction(live_server, page, screenshot):
    with time_machine.travel(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=True):
        configured()
        project, accounts = started()
        for user in accounts:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
        suzuki = next(u for u in accounts if u.username.startswith("suzuki2."))
        SupervisorFactory(office=project.office, name="新井 五郎", title="supervisor")

        page.goto(live_server.url + "/mypage/login/")
        page.get_by_label("ID").fill(tanaka.username)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(re.compile(r"/mypage/$"))

        page.get_by_role("link", name="登録内容の変更（変更申込）").click()
        page.wait_for_url(re.compile(r"/mypage/changes/$"))
        page.get_by_role("link", name=f"{project.name}の変更をWebで申し込む").click()
        page.wait_for_url(re.compile(rf"/mypage/changes/{project.pk}/$"))
        # The registration is shown beside the inputs; the requester is the signed-in holder.
        assert page.get_by_label("申込者氏名").input_value() == "田中 一郎"
        period = page.get_by_role("row", name=re.compile("工期（終了日）"))
        assert "2027年3月19日" in period.inner_text()

        page.get_by_label("工期（終了日）（変更後）").fill("2027-05-31")
        page.get_by_label("工期（終了日）（変更後）").dispatch_event("change")
        page.locator("#fee-new").wait_for()
        assert "利用料への影響" in page.locator("#fee-impact").inner_text()
        page.get_by_label(f"{suzuki.username}の電話番号（変更後）").fill("080-9999-0000")
        page.get_by_label("変更の理由").fill("工期延長と担当者の携帯電話の変更のため")
        screenshot(page, "change-mypage")

        page.get_by_role("button", name="変更を申し込む").click()
        page.wait_for_url(re.compile(r"/changes/receipt/H2026-\d{5}/$"))
        number = page.locator("#change-number").inner_text()
        assert "すでに登録されている電話番号" in page.locator("main").inner_text()

        change = ChangeRequest.objects.get(number=number)
        assert (change.status, change.channel, change.filed_by_id) == (
            ChangeStatus.SUBMITTED,
            ChangeChannel.MY_PAGE,
            tanaka.pk,
        )
        assert [(i.field, i.target, i.before, i.after) for i in change.items.order_by("position")] == [
            ("period_end", "", "2027-03-19", "2027-05-31"),
            ("user.phone", suzuki.username, "080-2345-6789", "080-9999-0000"),
        ]
        # Nothing changes before the call-back (seed step 8).
        assert Project.objects.get(pk=project.pk).period_end == dt.date(2027, 3, 19)
        assert User.objects.get(pk=suzuki.pk).phone == "080-2345-6789"

        page.get_by_role("link", name="変更申込の一覧へ").click()
        row = page.get_by_role("row", name=re.compile(number))
        assert "受付済み（本人確認前）" in row.inner_text()
