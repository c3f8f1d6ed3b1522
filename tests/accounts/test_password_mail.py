"""Invariant 4 through the real worker and a real SMTP server: the ID and the password arrive in
separate mails, the password works only after the start-of-use notice, and its clear text exists
nowhere but in the mail — not in any table, log or page."""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher

from calsreg.accounts import credentials
from calsreg.accounts.backends import login_refusal_of
from calsreg.accounts.models import User
from calsreg.accounts.selectors import project_accounts
from calsreg.accounts.services import project_register, project_start_use
from calsreg.accounts.services.notices import account_password_notice_prepare
from calsreg.notifications.models import Delivery, OutboxMessage
from tests.accounts.helpers import TANAKA, application_in, desk_actor, login_request
from tests.factories import SupervisorFactory, UserFactory
from tests.notifications.helpers import tables_containing

PASSWORD_LINE = re.compile(r"^■ 初期パスワード：(\S+)$", re.MULTILINE)
SUPERVISOR_MAIL = "kantoku@pref.niigata.lg.jp"


def _body(message) -> str:
    return message.get_content()


def _mails_to(smtp_server, address: str) -> dict[str, str]:
    """{subject: body} of the messages received for ``address``."""
    return {
        subject: _body(message)
        for subject, message in zip(smtp_server.subjects, smtp_server.messages, strict=True)
        if message["To"] == address
    }


@pytest.mark.urls("tests.accounts.urls")
@pytest.mark.django_db(transaction=True)
def test_credentials_travel_separately_work_only_after_start_of_use_and_are_stored_nowhere(
    smtp_server, run_tasks, caplog, client, settings
):
    caplog.set_level(logging.DEBUG)
    # given: a confirmed application with one user and one supervisor
    application = application_in(users=[TANAKA], supervisors=[SupervisorFactory(email=SUPERVISOR_MAIL)])

    # when: registered, and the worker sends what was enqueued
    project = project_register(application=application, actor=desk_actor())
    assert run_tasks() == 4

    # then: per account, an ID mail and a separate password mail
    tanaka, _supervisor = project_accounts(project=project)
    tanaka_mails = _mails_to(smtp_server, TANAKA["email"])
    assert sorted(tanaka_mails) == [
        "【新潟県CALSシステム】ID通知（信濃川護岸設置工事）",
        "【新潟県CALSシステム】パスワード通知（信濃川護岸設置工事）",
    ]
    id_mail = tanaka_mails["【新潟県CALSシステム】ID通知（信濃川護岸設置工事）"]
    password_mail = tanaka_mails["【新潟県CALSシステム】パスワード通知（信濃川護岸設置工事）"]
    match = PASSWORD_LINE.search(password_mail)
    assert match is not None
    password = match[1]
    assert len(password) == 14
    assert set(password) <= set(credentials.PASSWORD_ALPHABET)
    assert f"■ ID　　　　：{tanaka.username}" in id_mail
    assert "利用開始のお知らせ" in id_mail
    assert password not in id_mail
    assert tanaka.username not in password_mail
    assert len(_mails_to(smtp_server, SUPERVISOR_MAIL)) == 2
    assert len({message["Message-ID"] for message in smtp_server.messages}) == 4

    # and the password does not open the account before the start of use
    request = login_request()
    assert authenticate(request, username=tanaka.username, password=password) is None
    assert login_refusal_of(request) == (
        "このアカウントはまだ利用できません。「利用開始のお知らせ」メールが届いてからログインしてください。"
    )

    # when: the desk starts the use, and the notices go out
    project_start_use(project=project, actor=desk_actor())
    assert run_tasks() == 2

    # then: one start-of-use notice per address (the applicant is the user), and the password works
    assert smtp_server.subjects[-2:] == ["【新潟県CALSシステム】利用開始のお知らせ（信濃川護岸設置工事）"] * 2
    assert sorted(message["To"] for message in smtp_server.messages[-2:]) == [
        SUPERVISOR_MAIL,
        TANAKA["email"],
    ]
    assert authenticate(login_request(), username=tanaka.username, password=password) == tanaka
    tanaka.refresh_from_db()
    assert tanaka.must_change_password is True

    # and the clear password is in no table, no log record, no page
    assert identify_hasher(tanaka.password).algorithm == "argon2"
    assert tables_containing(password) == []
    assert OutboxMessage.objects.count() == 0
    # (aiosmtpd's "mail.log" is the receiving server — the far end of the mail, not our system)
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    assert ours
    assert all(password not in record.getMessage() for record in ours)
    assert all(password not in str(record.args) + str(record.exc_text) for record in ours)
    settings.ROOT_URLCONF = "config.urls"
    client.force_login(UserFactory(role="administrator", is_staff=True, is_superuser=True))
    for url in [
        "/desk/",
        f"/desk/applications/{application.pk}/",
        "/desk/outbox/",
        f"/admin/accounts/user/{tanaka.pk}/change/",
        "/admin/accounts/user/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert password not in response.content.decode(), url


@pytest.mark.django_db
def test_each_send_attempt_makes_a_new_password_and_only_the_last_one_works():
    # given
    application = application_in(users=[TANAKA])
    project = project_register(application=application, actor=desk_actor())
    tanaka = project_accounts(project=project)[0]
    delivery = Delivery.objects.get(idempotency_key=f"account_password_notice:{tanaka.pk}")

    # when: a first attempt (whose mail never left), then the retry
    prepared = account_password_notice_prepare(delivery=delivery)
    assert (prepared["initial_password_days"], prepared["usable_now"]) == (14, False)
    first = prepared["password"]
    second = account_password_notice_prepare(delivery=delivery)["password"]

    # then
    tanaka.refresh_from_db()
    assert first != second
    assert not tanaka.check_password(first)
    assert tanaka.check_password(second)
    assert "password" not in Delivery.objects.get(pk=delivery.pk).context


@pytest.mark.django_db
def test_a_resent_password_mail_never_overwrites_a_password_the_holder_chose():
    application = application_in(users=[TANAKA])
    project = project_register(application=application, actor=desk_actor())
    tanaka = project_accounts(project=project)[0]
    tanaka.set_password("Chosen-by-tanaka-1")
    tanaka.must_change_password = False
    tanaka.save()
    delivery = Delivery.objects.get(idempotency_key=f"account_password_notice:{tanaka.pk}")

    with pytest.raises(RuntimeError):
        account_password_notice_prepare(delivery=delivery)

    assert User.objects.get(pk=tanaka.pk).check_password("Chosen-by-tanaka-1")
