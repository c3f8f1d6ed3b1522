"""The help desk works the received mail in a real browser: follows the menu's count to the triage
list, attaches a question to its application and finds it on the application's page, records an
unclear supervisor's reply as confirmed; the pages keep the CSP and fit a phone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import Page

from calsreg.accounts.models import Role
from calsreg.mailbox.models import MailboxMessage, MessageState, TriageReason
from calsreg.records.services import Actor
from calsreg.verification.models import Answer, ConfirmationRequest
from tests.factories import SupervisorFactory, UserFactory
from tests.mailbox.factories import html_only_mail, kept_message, plain_mail
from tests.plugins.browser import follow
from tests.verification.helpers import awaiting_application, reply_eml

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "correct-horse-battery-staple"  # UserFactory's
NOW = dt.datetime(2026, 11, 25, 10, tzinfo=dt.timezone(dt.timedelta(hours=9)))
PHONE = {"width": 390, "height": 844}
DIRECTORY_ADDRESS = "yamada@pref.niigata.example.jp"


def _staff_signs_in(page: Page, base: str) -> None:
    page.goto(f"{base}/desk/login/")
    page.fill("#id_username", "uketsuke")
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r"/desk/"))


def _arranged():
    desk_user = UserFactory(username="uketsuke", role=Role.HELP_DESK, display_name="受付 花子")
    application = awaiting_application(
        desk=Actor.staff(desk_user), supervisor=SupervisorFactory(email=DIRECTORY_ADDRESS, name="山田 太郎")
    )
    request = ConfirmationRequest.objects.get(application=application)
    question = kept_message(
        plain_mail(subject=f"{application.receipt_number} の利用開始日について"),
        recognised={"receipt_number": application.receipt_number},
    )
    reply = kept_message(
        reply_eml(sender=DIRECTORY_ADDRESS, body="お世話になっております。よろしくお願いします。"),
        mailbox="replies",
        triage_reason=TriageReason.REPLY_UNCLEAR,
        reason="返信の内容（確認・否認）を読み取れませんでした。",
        recognised={"receipt_number": application.receipt_number, "request_id": request.pk},
        arrived_at=NOW - dt.timedelta(minutes=30),
    )
    return application, request, question, reply


def test_the_desk_attaches_a_question_and_records_an_unclear_reply(live_server, page: Page, screenshot):
    with time_machine.travel(NOW, tick=True):
        application, request, question, reply = _arranged()
        base = live_server.url
        _staff_signs_in(page, base)

        # the menu counts the two mails waiting; its link leads to the triage list
        page.goto(f"{base}/desk/")
        nav = page.locator("header nav a", has_text="受信メール")
        assert nav.inner_text().replace("\n", "").startswith("受信メール 2")
        follow(nav)
        assert page.locator("h1").inner_text() == "要確認のメール"
        rows = page.locator("#mailbox-triage tbody tr")
        assert rows.count() == 2
        assert "回答の読み取れない監督員の返信" in rows.nth(0).inner_text()
        screenshot(page, "desk-mailbox-triage")

        # the question: opened, attached to its application after the confirmation
        follow(page.get_by_role("link", name=question.subject_line))
        assert page.locator("#mail-body").inner_text().startswith("いつもお世話になっております。")
        assert page.locator("#attach-receipt").input_value() == application.receipt_number
        screenshot(page, "desk-mailbox-message")
        follow(page.get_by_role("button", name="申込に添付…"))
        assert application.project_name in page.content()
        follow(page.get_by_role("button", name="添付する"))
        assert page.url.endswith(f"/desk/applications/{application.pk}/")
        assert page.get_by_text(
            f"受信メールを申込 {application.receipt_number} の証跡として保存しました。"
        ).is_visible()
        kept = page.locator("section[aria-labelledby=section-evidence]")
        assert kept.get_by_role("link", name=question.evidence.original_name).is_visible()

        # the unclear reply: the request is proposed, the desk records it as confirmed
        page.goto(f"{base}/desk/mailbox/")
        assert page.locator("#mailbox-triage tbody tr").count() == 1
        follow(page.get_by_role("link", name=reply.subject_line))
        assert page.locator(f'input[name="request"][value="{request.pk}"]').is_checked()
        page.get_by_label("申込は正しい（確認）").check()
        follow(page.get_by_role("button", name="返信として記録…"))
        assert page.locator("#sender-mismatch").count() == 0
        follow(page.get_by_role("button", name="記録する"))
        assert page.get_by_text("返信メールを記録しました。").is_visible()

        # and the list is empty, the menu has no count
        page.goto(f"{base}/desk/mailbox/")
        assert page.get_by_text("要確認のメールはありません。").is_visible()
        assert page.locator("header nav a", has_text="受信メール").locator(".nav-count").count() == 0

    request.refresh_from_db()
    assert (request.answer, request.answer_channel) == (Answer.CONFIRMED, "mail")
    assert set(MailboxMessage.objects.values_list("state", flat=True)) == {MessageState.HANDLED}


def test_a_hostile_html_mail_keeps_the_policy_and_the_pages_fit_a_phone(live_server, page: Page):
    with time_machine.travel(NOW, tick=True):
        UserFactory(username="uketsuke", role=Role.HELP_DESK, display_name="受付 花子")
        hostile = kept_message(
            html_only_mail(
                "<p>ご確認ください</p><script>window.hacked = 1</script>"
                '<img src="http://127.0.0.1:9/open.gif" onerror="window.hacked = 2">'
                '<a href="javascript:window.hacked = 3">リンク</a><div style="width:3000px">広い</div>'
                '<iframe src="http://127.0.0.1:9/"></iframe>'
            )
        )
        _staff_signs_in(page, live_server.url)
        page.set_viewport_size(PHONE)

        for path in ("/desk/mailbox/", "/desk/mailbox/all/", f"/desk/mailbox/{hostile.pk}/"):
            page.goto(live_server.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path

        # nothing of the mail ran or loaded (the page fixture fails the test on any CSP violation too)
        assert page.evaluate("window.hacked === undefined")
        assert page.locator("#mail-body img, #mail-body iframe, #mail-body script").count() == 0
        assert page.locator("#mail-body").inner_text().startswith("ご確認ください")
