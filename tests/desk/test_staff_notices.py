"""Staff notices: each of the six sources posts one from its own service, in its transaction; the
desk sees them as a badge (polled, one query per page) and a list; each operator marks them read
and may opt into a daily digest mail; account holders are refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calsreg.accounts.models import Role
from calsreg.billing.services.payments import payments_import_csv
from calsreg.notifications.models import Delivery, StaffInbox, StaffNotice
from calsreg.notifications.services import deliveries_send_due
from calsreg.notifications.staff_digest import staff_digests_send
from calsreg.notifications.staff_selectors import notice_text
from calsreg.notifications.tasks import delivery_send
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import confirmation_answer_by_link, confirmation_reply_record
from tests.accounts.helpers import started
from tests.changes.callback_helpers import file_change
from tests.desk.helpers import submit_application
from tests.factories import SupervisorFactory, UserFactory
from tests.notifications.factories import enqueue_received
from tests.verification.helpers import awaiting_application, deliver, reply_eml, token_for

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 12, 10, 10, tzinfo=JST)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _texts(kind: str) -> list[tuple[str, str]]:
    return [(n.audience, notice_text(n)) for n in StaffNotice.objects.filter(kind=kind).order_by("pk")]


# --- the six sources -------------------------------------------------------------------------------


def test_a_new_application_posts_a_desk_notice():
    application = submit_application()

    assert _texts("application_received") == [
        (
            "desk",
            f"新しい申込 {application.receipt_number}「{application.project_name}」（{application.contractor_name}）",
        )
    ]


def test_a_supervisor_answer_by_link_posts_a_desk_notice(desk_user):
    supervisor = SupervisorFactory(name="山田 直樹")
    application = awaiting_application(desk=Actor.staff(desk_user), supervisor=supervisor)

    confirmation_answer_by_link(token=token_for(supervisor.email, deliver()), answer="confirmed", reason="")

    assert _texts("supervisor_answered") == [
        ("desk", f"監督員 山田 直樹 が申込 {application.receipt_number} の確認依頼に回答しました。")
    ]


def test_a_recorded_reply_mail_posts_a_desk_notice(desk_user):
    supervisor = SupervisorFactory(name="山田 直樹")
    application = awaiting_application(desk=Actor.staff(desk_user), supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)

    confirmation_reply_record(
        request=request,
        eml=reply_eml(sender=supervisor.email),
        answer="confirmed",
        reason="",
        actor=Actor.staff(desk_user),
    )

    assert _texts("reply_mail_recorded") == [
        (
            "desk",
            f"申込 {application.receipt_number} の監督員 山田 直樹 への確認依頼に、返信メールを記録しました。",
        )
    ]


def test_a_change_request_posts_a_desk_notice():
    project, _accounts = started()

    change = file_change(project, {"field": "project_name", "value": "新しい工事名"})

    assert _texts("change_request_filed") == [
        ("desk", f"変更申込 {change.number}（工事 {project.project_number}、1項目）")
    ]


def test_an_unmatched_payment_posts_a_billing_notice():
    content = "入金日,金額,振込依頼人名,依頼人コード・EDI,照会番号\r\n2026-11-30,1000,ﾔﾏﾀﾞ ﾀﾛｳ,,\r\n".encode()

    payments_import_csv(
        content=content, filename="statement.csv", actor=Actor.staff(UserFactory(role=Role.BILLING_AGENT))
    )

    assert _texts("payment_unmatched") == [
        ("billing", "入金ファイル「statement.csv」に、照合できない入金が 1件あります。")
    ]


def test_a_mail_that_failed_for_good_posts_a_desk_notice(smtp_server):
    delivery = enqueue_received(to="nobody@example.jp")
    smtp_server.refuse_next(reply="550 5.1.1 no such user", at="RCPT")

    delivery_send(delivery_id=delivery.pk)

    assert _texts("mail_failed") == [
        ("desk", f"受付確認メール（送信番号 {delivery.pk}）を送信できませんでした。")
    ]


def test_a_refused_change_posts_no_notice():
    with pytest.raises(Exception):  # noqa: B017 — any refusal; the point is what is left
        payments_import_csv(
            content=b"", filename="empty.csv", actor=Actor.staff(UserFactory(role=Role.BILLING_AGENT))
        )

    assert StaffNotice.objects.count() == 0


# --- at the desk -----------------------------------------------------------------------------------


def test_the_desk_sees_a_badge_and_the_list_and_marking_read_clears_the_badge(desk_client):
    first = submit_application()
    second = submit_application()

    page = desk_client.get("/desk/notices/").content.decode()
    assert page.index(second.receipt_number) < page.index(first.receipt_number)
    assert page.count(">未読</span>") == 2
    assert "<span data-count>2</span>" in page
    assert f'href="/desk/applications/{second.pk}/"' in page
    assert desk_client.get("/desk/notices/unread.json").json() == {"unread": 2}

    newest = StaffNotice.objects.order_by("-pk").first().pk
    desk_client.post("/desk/notices/read/", {"up_to": newest})
    third = submit_application()

    assert desk_client.get("/desk/notices/unread.json").json() == {"unread": 1}
    page = desk_client.get("/desk/notices/").content.decode()
    assert page.count(">未読</span>") == 1 and third.receipt_number in page


def test_read_state_is_per_operator(desk_client):
    submit_application()
    desk_client.post("/desk/notices/read/", {"up_to": StaffNotice.objects.get().pk})
    other = UserFactory(role=Role.HELP_DESK)
    desk_client.force_login(other)

    assert desk_client.get("/desk/notices/unread.json").json() == {"unread": 1}


def test_the_billing_agent_sees_only_billing_notices(client):
    application = submit_application()
    content = "入金日,金額,振込依頼人名,依頼人コード・EDI,照会番号\r\n2026-11-30,1000,ﾔﾏﾀﾞ ﾀﾛｳ,,\r\n".encode()
    payments_import_csv(
        content=content, filename="statement.csv", actor=Actor.staff(UserFactory(role=Role.BILLING_AGENT))
    )
    client.force_login(UserFactory(role=Role.BILLING_AGENT))

    page = client.get("/desk/notices/").content.decode()

    assert "照合できない入金が 1件" in page and application.receipt_number not in page
    assert client.get("/desk/notices/unread.json").json() == {"unread": 1}


def test_account_holders_are_refused_the_notices_and_nothing_changes(client):
    submit_application()
    _project, accounts = started()
    client.force_login(accounts[0])
    before = (StaffInbox.objects.count(), AuditEvent.objects.count())

    responses = [
        client.get("/desk/notices/"),
        client.get("/desk/notices/unread.json"),
        client.post("/desk/notices/read/", {"up_to": 999}),
        client.post("/desk/notices/digest/", {"digest": "on"}),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    assert "新しい申込" not in responses[0].content.decode()
    assert (StaffInbox.objects.count(), AuditEvent.objects.count()) == before


def test_the_badge_costs_one_query_per_page(desk_client):
    submit_application()

    with CaptureQueriesContext(connection) as queries:
        content = desk_client.get("/desk/work/").content.decode()

    assert 'data-poll-url="/desk/notices/unread.json"' in content and "<span data-count>1</span>" in content
    counting = [q["sql"] for q in queries.captured_queries if '"notifications_staffnotice"' in q["sql"]]
    assert len(counting) == 1


# --- the digest ------------------------------------------------------------------------------------


def test_an_operator_who_opted_in_gets_one_digest_of_what_arrived_since(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    desk_user = UserFactory(role=Role.HELP_DESK, email="uketsuke@calsreg.example.jp")
    desk_client = client
    desk_client.force_login(desk_user)
    submit_application()  # before opting in: not in the digest
    desk_client.post("/desk/notices/digest/", {"digest": "on"})
    UserFactory(role=Role.HELP_DESK)  # did not opt in
    later = submit_application()
    deliver()
    mail.outbox.clear()

    call_command("staff_digest")
    assert staff_digests_send() == 0  # a second run the same day: nothing new, nothing sent
    deliveries_send_due()

    assert [m.to for m in mail.outbox] == [["uketsuke@calsreg.example.jp"]]
    assert mail.outbox[0].subject == "【新潟県CALSシステム】ヘルプデスクへのお知らせ 1件"
    assert f"・新しい申込 {later.receipt_number}「{later.project_name}」" in mail.outbox[0].body
    assert Delivery.objects.filter(kind="staff_digest").count() == 1
    event = AuditEvent.objects.get(action="notification.staff_digest_chosen")
    assert (event.actor_id, event.data) == (desk_user.pk, {"enabled": True})


def test_an_operator_who_opted_out_gets_no_digest(desk_client):
    desk_client.post("/desk/notices/digest/", {"digest": "on"})
    desk_client.post("/desk/notices/digest/", {})
    submit_application()

    assert staff_digests_send() == 0
    assert not Delivery.objects.filter(kind="staff_digest").exists()
