"""Safe defaults (issue 9): the outbox every help-desk user can read never holds a secret.

Each test sends a mail that grants access (initial password, password-reset link, the supervisor's
confirmation link, the applicant's correction link) through a real SMTP server *and* the demo outbox,
then reads the outbox as a help-desk user would: the list, every detail page (body and source) and a
search for the secret. The secret is in the message that left and in no page and no table; it still
works for its recipient.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role, User
from calsreg.notifications.models import OutboxMessage
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome
from calsreg.verification.services import call_record, confirmation_answer_by_link
from tests.accounts.helpers import reset_requests_process
from tests.desk.helpers import confirm_preview, submit_application
from tests.factories import SupervisorFactory, UserFactory
from tests.notifications.helpers import tables_containing
from tests.portal.test_mypage import ACCOUNT_ID, make_account
from tests.verification.helpers import TOKEN_RE

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
PASSWORD_WITHHELD = "（パスワードは表示しません）"
LINK_WITHHELD = "（リンクは表示しません）"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW):
        yield


@pytest.fixture
def desk_client(client):
    """A help-desk user — the role that reads 送信メール — signed in."""
    client.force_login(UserFactory(role=Role.HELP_DESK, username="uketsuke"))
    return client


def _sent(smtp_server, *, subject_part: str) -> dict[str, str]:
    """{recipient: body} of the SMTP messages whose subject contains ``subject_part``."""
    return {str(m["To"]): m.get_content() for m in smtp_server.messages if subject_part in str(m["Subject"])}


def _outbox_pages(client) -> dict[str, str]:
    """Every outbox page the help desk can open: the list and each mail (body and source)."""
    ids = OutboxMessage.objects.values_list("pk", flat=True)
    urls = [reverse("desk:outbox"), *(reverse("desk:outbox_detail", args=[pk]) for pk in ids)]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


def _assert_withheld(client, *, secret: str, subject_part: str, placeholder: str) -> None:
    """``secret`` is on no outbox page, found by no search and in no table; the kept mails show
    ``placeholder`` instead."""
    pages = _outbox_pages(client)
    assert [url for url, html in pages.items() if secret in html] == []
    searched = client.get(reverse("desk:outbox"), {"q": secret}).content.decode()
    assert "メールはありません。" in searched
    assert tables_containing(secret) == []
    kept = list(OutboxMessage.objects.filter(subject__contains=subject_part))
    assert kept
    for message in kept:
        assert placeholder in message.body and placeholder in message.raw
        assert placeholder in pages[reverse("desk:outbox_detail", args=[message.pk])]


def _confirmed(desk_client, smtp_server):
    """An application the desk sent for confirmation, confirmed by link and by a call."""
    supervisor = SupervisorFactory()
    application = submit_application(supervisor=supervisor)
    desk_client.post(reverse("desk:confirmation_send", args=[application.pk]), {"language": "ja"})
    deliveries_send_due()
    (body,) = _sent(smtp_server, subject_part="利用申込内容のご確認").values()
    confirmation_answer_by_link(token=TOKEN_RE.search(body).group(1), answer="confirmed", reason="")
    desk = Actor.staff(UserFactory(role=Role.HELP_DESK))
    call_record(
        application=application, supervisor=supervisor, outcome=CallOutcome.CONFIRMED, note="", actor=desk
    )
    return application


def test_initial_passwords_reach_the_holders_but_not_the_desks_outbox(desk_client, smtp_and_outbox):
    # given: the desk registers a confirmed application and starts its use (password mails go out)
    application = _confirmed(desk_client, smtp_and_outbox)
    confirm_preview(desk_client, reverse("desk:project_register", args=[application.pk]))
    confirm_preview(desk_client, reverse("desk:project_start_use", args=[application.pk]), {"when": "now"})
    deliveries_send_due()
    sent = _sent(smtp_and_outbox, subject_part="パスワード通知")
    passwords = {to: re.search(r"初期パスワード：(\S+)", body).group(1) for to, body in sent.items()}
    assert len(passwords) == 3  # two contractor users and the supervisor

    # when / then: the help desk reads the outbox — no password anywhere, the notice in its place
    for password in passwords.values():
        assert len(password) == 14
        _assert_withheld(
            desk_client, secret=password, subject_part="パスワード通知", placeholder=PASSWORD_WITHHELD
        )

    # and the holder signs in on my page with the password from the SMTP message
    holder = User.objects.get(email="tanaka@echigo-kensetsu.example.co.jp", role=Role.CONTRACTOR)
    desk_client.logout()
    response = desk_client.post(
        reverse("portal:login"), {"username": holder.username, "password": passwords[holder.email]}
    )
    assert response.status_code == 302
    assert desk_client.session["_auth_user_id"] == str(holder.pk)


def test_the_supervisors_confirmation_link_is_not_in_the_desks_outbox(desk_client, smtp_and_outbox, client):
    # given: the desk sends the confirmation request
    application = submit_application(supervisor=SupervisorFactory())
    desk_client.post(reverse("desk:confirmation_send", args=[application.pk]), {"language": "ja"})
    deliveries_send_due()
    (body,) = _sent(smtp_and_outbox, subject_part="利用申込内容のご確認").values()
    token = TOKEN_RE.search(body).group(1)

    # when / then: a help-desk user cannot read the link to confirm in the supervisor's place
    _assert_withheld(
        desk_client, secret=token, subject_part="利用申込内容のご確認", placeholder=LINK_WITHHELD
    )
    # and the supervisor's link from the SMTP message opens the confirmation page
    desk_client.logout()
    assert client.get(reverse("portal:confirm", args=[token])).status_code == 200


def test_the_password_reset_link_is_not_in_the_desks_outbox(desk_client, smtp_and_outbox, client):
    # given: an account holder asks for a reset link on my page
    make_account()
    client.post(
        reverse("portal:password_reset"),
        {"username": ACCOUNT_ID, "email": "tanaka@echigo-kensetsu.example.co.jp"},
    )
    assert reset_requests_process() == 1  # the worker matches the queued request and mails the link
    deliveries_send_due()
    (body,) = _sent(smtp_and_outbox, subject_part="パスワード再設定").values()
    link = re.search(r"http://\S+/mypage/password/reset/\S+/", body).group(0)
    token = link.rstrip("/").rsplit("/", 1)[1]

    # when / then
    desk_client.force_login(UserFactory(role=Role.HELP_DESK, username="uketsuke2"))
    _assert_withheld(desk_client, secret=token, subject_part="パスワード再設定", placeholder=LINK_WITHHELD)
    # and the link from the SMTP message opens the form to set a new password
    desk_client.logout()
    path = link.removeprefix("http://127.0.0.1:8000")
    assert "新しいパスワードの設定" in client.get(path, follow=True).content.decode()


def test_the_applicants_correction_link_is_not_in_the_desks_outbox(desk_client, smtp_and_outbox, client):
    # given: the desk returns an application for correction
    application = submit_application(supervisor=SupervisorFactory())
    desk_client.post(reverse("desk:application_return", args=[application.pk]), {"reason": "工事番号の訂正"})
    deliveries_send_due()
    (body,) = _sent(smtp_and_outbox, subject_part="訂正").values()
    token = re.search(r"/apply/correct/([A-Za-z0-9_-]+)/", body).group(1)

    # when / then
    _assert_withheld(desk_client, secret=token, subject_part="訂正", placeholder=LINK_WITHHELD)
    # and the applicant's link from the SMTP message opens the correction form
    desk_client.logout()
    assert client.get(reverse("portal:correct", args=[token])).status_code == 200
