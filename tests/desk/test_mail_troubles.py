"""Failed and stuck mail at the desk: the list, re-sending one or several through a confirmation
(audited, idempotent), the navigation count; refused to anyone but the help desk and administrators,
and then nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.services import deliveries_requeue
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.desk.keyset_helpers import follow
from tests.factories import UserFactory
from tests.notifications.factories import enqueue_received, subject_factory

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
NOW = dt.datetime(2026, 12, 7, 10, tzinfo=JST)
URL = "/desk/mail/troubles/"
RESEND = "/desk/mail/troubles/resend/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _delivery(key: str, to: str, **state) -> Delivery:
    delivery = enqueue_received(key=key, to=to, subject=subject_factory(key))
    Delivery.objects.filter(pk=delivery.pk).update(**state)
    return Delivery.objects.get(pk=delivery.pk)


@pytest.fixture
def mail():
    """Two failed, one stuck, and the rows that are not the desk's business (pending, sent, a send
    still in progress)."""
    return {
        "failed_old": _delivery(
            "k1",
            "old@example.jp",
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_attempt_at=NOW - dt.timedelta(days=2),
            last_error="SMTPRecipientsRefused: 550 no such user",
            next_attempt_at=None,
        ),
        "failed_new": _delivery(
            "k2",
            "new@example.jp",
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_attempt_at=NOW - dt.timedelta(hours=3),
            last_error="SMTPDataError: 451 busy",
            next_attempt_at=None,
        ),
        "stuck": _delivery(
            "k3",
            "stuck@example.jp",
            status=DeliveryStatus.SENDING,
            attempts=1,
            last_attempt_at=NOW - dt.timedelta(hours=1),
            message_id="<stuck-1@calsreg.example>",
        ),
        "in_progress": _delivery(
            "k4",
            "busy@example.jp",
            status=DeliveryStatus.SENDING,
            attempts=1,
            last_attempt_at=NOW - dt.timedelta(seconds=30),  # within the send lease
        ),
        "sent": _delivery("k5", "sent@example.jp", status=DeliveryStatus.SENT, attempts=1, sent_at=NOW),
        "pending": _delivery("k6", "pending@example.jp"),
    }


def _state() -> tuple:
    return (
        tuple(Delivery.objects.order_by("pk").values_list("pk", "status", "attempts", "next_attempt_at")),
        AuditEvent.objects.count(),
        DBTaskResult.objects.count(),
    )


def test_list_shows_failed_and_stuck_mail_newest_first_with_kind_recipient_error_and_attempts(
    desk_client, mail
):
    content = desk_client.get(URL).content.decode()

    # Was "全3件中 1〜3件": pages now go by key (desk/paging.py), the total is counted up to a cap.
    assert "全3件（このページは3件）" in content
    rows = [content.index(f'value="{mail[name].pk}"') for name in ("stuck", "failed_new", "failed_old")]
    assert rows == sorted(rows)
    assert "stuck@example.jp" in content and "&lt;stuck-1@calsreg.example&gt;" in content
    assert "SMTPRecipientsRefused: 550 no such user" in content and "SMTPDataError: 451 busy" in content
    assert "受付確認メール" in content and "送信停滞" in content
    for name in ("in_progress", "sent", "pending"):
        assert f'value="{mail[name].pk}"' not in content


def test_list_explains_each_error_in_japanese_with_the_raw_text_folded_under_it(desk_client, mail):
    content = desk_client.get(URL).content.decode()

    refused = content.index("宛先のメールサーバーが受け取りを拒否しました（550）")
    assert content.index("<code>SMTPRecipientsRefused: 550 no such user</code>") > refused
    assert "メールサーバーが一時的に受け取れませんでした（451）。時間をおいて再送してください" in content
    assert content.count('<details class="mail-error-raw">') == 2  # the stuck mail has no error


def test_list_paginates(desk_client):
    for number in range(30):
        _delivery(
            f"p{number}",
            f"p{number}@example.jp",
            status=DeliveryStatus.FAILED,
            attempts=5,
            last_attempt_at=NOW - dt.timedelta(minutes=number),
            next_attempt_at=None,
        )

    first = desk_client.get(URL)
    # Was "?page=2" and "1 / 2 ページ": pages now go by key (the next link carries a cursor).
    second = follow(desk_client, URL, first, "次のページ").content.decode()
    first = first.content.decode()

    assert (
        "全30件（このページは25件）" in first and "p0@example.jp" in first and "p29@example.jp" not in first
    )
    assert "p29@example.jp" in second and "p0@example.jp" not in second


def test_resend_asks_for_confirmation_first_and_changes_nothing_until_confirmed(desk_client, mail):
    before = _state()

    response = desk_client.post(RESEND, {"deliveries": [mail["failed_new"].pk, mail["stuck"].pk]})

    content = response.content.decode()
    assert response.status_code == 200
    assert "次の2件を、最初の試行から送り直します。" in content
    assert "new@example.jp" in content and "stuck@example.jp" in content
    assert 'name="confirmed" value="on"' in content
    assert _state() == before


def test_confirmed_resend_requeues_each_with_an_audit_row_and_a_task(desk_client, desk_user, mail):
    tasks_before = DBTaskResult.objects.count()

    response = desk_client.post(
        RESEND, {"deliveries": [mail["failed_old"].pk, mail["stuck"].pk], "confirmed": "on"}, follow=True
    )

    assert "2件を送信待ちに戻しました。まもなく送信します。" in response.content.decode()
    for name in ("failed_old", "stuck"):
        row = Delivery.objects.get(pk=mail[name].pk)
        assert (row.status, row.attempts, row.next_attempt_at) == (DeliveryStatus.PENDING, 0, NOW)
    assert Delivery.objects.get(pk=mail["failed_new"].pk).status == DeliveryStatus.FAILED
    events = AuditEvent.objects.filter(action="notification.requeued").order_by("subject_id")
    assert [(e.subject_id, e.actor_id, e.data["status"]) for e in events] == [
        (mail["failed_old"].pk, desk_user.pk, "failed"),
        (mail["stuck"].pk, desk_user.pk, "sending"),
    ]
    assert DBTaskResult.objects.count() == tasks_before + 2


def test_resending_the_same_confirmation_twice_sends_once(desk_client, mail):
    data = {"deliveries": [mail["failed_new"].pk], "confirmed": "on"}
    desk_client.post(RESEND, data)
    after_first = _state()

    response = desk_client.post(RESEND, data, follow=True)

    assert "選んだメールはもう送信失敗・送信停滞ではありません。" in response.content.decode()
    assert _state() == after_first
    assert AuditEvent.objects.filter(action="notification.requeued").count() == 1


def test_batch_service_is_idempotent_and_skips_rows_that_are_not_failed_or_stuck(mail):
    actor = Actor.staff(UserFactory(role=Role.HELP_DESK))
    ids = [mail[name].pk for name in ("failed_old", "in_progress", "sent", "pending")]

    first = deliveries_requeue(delivery_ids=ids, actor=actor)
    state = _state()
    second = deliveries_requeue(delivery_ids=ids, actor=actor)

    assert [d.pk for d in first.requeued] == [mail["failed_old"].pk] and first.refused == []
    assert second.requeued == [] and second.refused == []
    assert _state() == state
    assert Delivery.objects.get(pk=mail["in_progress"].pk).status == DeliveryStatus.SENDING


def test_a_send_still_in_progress_cannot_be_picked_and_nothing_changes(desk_client, mail):
    before = _state()

    response = desk_client.post(
        RESEND, {"deliveries": [mail["in_progress"].pk], "confirmed": "on"}, follow=True
    )

    assert "選んだメールはもう送信失敗・送信停滞ではありません。" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize("role", [Role.BILLING_AGENT, Role.CONTRACTOR, Role.SUPERVISOR])
def test_other_roles_are_refused_the_list_and_the_resend_and_nothing_changes(client, mail, role):
    if role == Role.BILLING_AGENT:
        client.force_login(UserFactory(role=role))
    else:
        # A usable account holder (project in use): the refusal comes from the desk itself.
        _project, accounts = started()
        client.force_login(next(user for user in accounts if user.role == role))
    before = _state()

    listed = client.get(URL)
    posted = client.post(RESEND, {"deliveries": [mail["failed_old"].pk], "confirmed": "on"})

    assert (listed.status_code, posted.status_code) == (403, 403)
    assert "old@example.jp" not in listed.content.decode()
    assert _state() == before


def test_anonymous_resend_goes_to_the_login_page_and_nothing_changes(client, mail):
    before = _state()

    response = client.post(RESEND, {"deliveries": [mail["failed_old"].pk], "confirmed": "on"})

    assert response.status_code == 302 and response["Location"].startswith("/desk/login/")
    assert _state() == before


def test_navigation_shows_the_count_at_one_query_per_page(desk_client, mail):
    with CaptureQueriesContext(connection) as queries:
        content = desk_client.get("/desk/work/").content.decode()

    assert '<span class="badge warn nav-count">3<span class="visually-hidden">件</span></span>' in content
    counting = [q["sql"] for q in queries.captured_queries if '"notifications_delivery"' in q["sql"]]
    assert len(counting) == 1 and "COUNT(" in counting[0]


def test_navigation_shows_no_count_when_nothing_failed(desk_client):
    _delivery("ok", "ok@example.jp", status=DeliveryStatus.SENT, attempts=1, sent_at=NOW)

    content = desk_client.get("/desk/work/").content.decode()

    assert '<a href="/desk/mail/troubles/">送信失敗</a>' in content
