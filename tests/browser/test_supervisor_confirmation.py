"""The orderer supervisor's journey in a real browser: the link in the mail → the summary →
confirm → the thank-you page; a second visit says it was already answered."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from calsreg.accounts.models import Role
from calsreg.applications.models import Application
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import confirmation_request_send
from tests.desk.helpers import submit_application
from tests.factories import SupervisorFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_opens_the_link_and_confirms(live_server, page, screenshot, settings):
    # given: the confirmation mail sent to the directory supervisor, with the live server's address
    settings.SITE_URL = live_server.url
    supervisor = SupervisorFactory(name="山田 直樹", email="yamada.n@office.example.pref-niigata.jp")
    application = submit_application(supervisor=supervisor)
    confirmation_request_send(application=application, actor=Actor.staff(UserFactory(role=Role.HELP_DESK)))
    deliveries_send_due()
    (message,) = [m for m in mail.outbox if m.to == [supervisor.email]]
    link = re.search(r"http://\S+/confirm/[A-Za-z0-9_-]+/", message.body).group(0)

    # when: the supervisor opens the link and confirms
    page.goto(link)
    assert page.locator("h1").inner_text() == "利用申込内容のご確認"
    assert page.get_by_text("信濃川護岸設置工事").is_visible()
    assert page.get_by_text("山田 直樹 様").is_visible()
    page.get_by_label("申込内容に間違いありません（確認）").check()
    page.get_by_role("button", name="回答を送信する").click()

    # then
    thanks = page.locator("#confirm-thanks")
    thanks.wait_for()
    assert "ご回答ありがとうございました" in thanks.inner_text()
    screenshot(page, "supervisor-confirm")
    request = ConfirmationRequest.objects.get(application=application)
    assert (request.answer, request.answer_channel) == ("confirmed", "link")
    # still waiting for the desk's call (both channels are needed)
    assert Application.objects.get(pk=application.pk).status == "awaiting_confirmation"

    page.goto(link)
    assert "すでにご回答いただいています" in page.locator("#confirm-refused").inner_text()
