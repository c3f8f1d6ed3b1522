"""Re-sending a failed credentials mail from the desk: the password notice goes through the same
send-time hook (a new initial password, made when the mail leaves, seen by nobody at the desk) and
arrives at a real SMTP server working; once the holder chose their own password it is refused with
a clear message and nothing changes."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.contrib.auth import authenticate
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import User
from calsreg.accounts.selectors import project_accounts
from calsreg.accounts.services import project_register, project_start_use
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, TANAKA, application_in, desk_actor, login_request
from tests.notifications.helpers import tables_containing

PASSWORD_LINE = re.compile(r"^■ 初期パスワード：(\S+)$", re.MULTILINE)
RESEND = "/desk/mail/troubles/resend/"
PASSWORD_SUBJECT = "【新潟県CALSシステム】パスワード通知（信濃川護岸設置工事）"


@pytest.mark.django_db(transaction=True)
@time_machine.travel(A_DAY_OF_THE_PERIOD, tick=True)
def test_a_resent_password_notice_arrives_with_a_working_password_nobody_at_the_desk_saw(
    desk_client, smtp_server, run_tasks
):
    # given: the account's mails were refused for good by the recipient's server (550)
    project = project_register(application=application_in(users=[TANAKA], supervisors=[]), actor=desk_actor())
    tanaka = project_accounts(project=project)[0]
    smtp_server.refuse_next(reply="550 5.1.1 Mailbox unavailable", at="RCPT", times=2)
    assert run_tasks() == 2
    password_notice = Delivery.objects.get(idempotency_key=f"account_password_notice:{tanaka.pk}")
    assert password_notice.status == DeliveryStatus.FAILED and smtp_server.messages == []

    # when: the desk re-sends it (confirmed) and the worker sends it
    page = desk_client.get("/desk/mail/troubles/").content.decode()
    desk_client.post(RESEND, {"deliveries": [password_notice.pk]})
    response = desk_client.post(RESEND, {"deliveries": [password_notice.pk], "confirmed": "on"}, follow=True)
    assert "1件を送信待ちに戻しました。" in response.content.decode()
    assert run_tasks() == 1

    # then: it arrived with a password that opens the account once in use
    assert smtp_server.subjects == [PASSWORD_SUBJECT]
    assert smtp_server.messages[0]["To"] == TANAKA["email"]
    match = PASSWORD_LINE.search(smtp_server.messages[0].get_content())
    assert match is not None
    password = match[1]
    project_start_use(project=project, actor=desk_actor())
    assert authenticate(login_request(), username=tanaka.username, password=password) == User.objects.get(
        pk=tanaka.pk
    )
    # and the desk never saw it: not on its pages, not in any table
    assert password not in page + response.content.decode()
    assert password not in desk_client.get("/desk/mail/troubles/").content.decode()
    assert tables_containing(password) == []
    assert Delivery.objects.get(pk=password_notice.pk).status == DeliveryStatus.SENT


@pytest.mark.django_db
@time_machine.travel(A_DAY_OF_THE_PERIOD, tick=False)
def test_resending_a_password_notice_after_the_holder_chose_a_password_is_refused_and_changes_nothing(
    desk_client,
):
    # given: a failed password notice, and the holder has since set a password of their own
    project = project_register(application=application_in(users=[TANAKA], supervisors=[]), actor=desk_actor())
    tanaka = project_accounts(project=project)[0]
    notice = Delivery.objects.get(idempotency_key=f"account_password_notice:{tanaka.pk}")
    Delivery.objects.filter(pk=notice.pk).update(
        status=DeliveryStatus.FAILED, attempts=5, next_attempt_at=None, last_error="SMTPDataError: 451"
    )
    tanaka.set_password("Chosen-by-tanaka-1")
    tanaka.must_change_password = False
    tanaka.save()
    before = (AuditEvent.objects.count(), DBTaskResult.objects.count())

    # when
    response = desk_client.post(RESEND, {"deliveries": [notice.pk], "confirmed": "on"}, follow=True)

    # then
    content = response.content.decode()
    assert "パスワード通知メール（tanaka@echigo-kensetsu.example.co.jp）: " in content
    assert (
        "利用者が自分のパスワードを設定済み（または利用終了）のため、パスワード通知メールは再送できません。"
        in content
    )
    assert "送信待ちに戻しました" not in content
    row = Delivery.objects.get(pk=notice.pk)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 5)
    assert (AuditEvent.objects.count(), DBTaskResult.objects.count()) == before
    assert User.objects.get(pk=tanaka.pk).check_password("Chosen-by-tanaka-1")
