"""Enqueue validation, the synchronous safety net, the desk's re-send and the send-time hook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from calsreg.core.errors import InvalidTransition
from calsreg.notifications.models import Delivery, DeliveryStatus, OutboxMessage, send_lease
from calsreg.notifications.rendering import Secret, register_prepare, render_mail, unregister_prepare
from calsreg.notifications.selectors import deliveries_for, deliveries_stuck
from calsreg.notifications.services import (
    deliveries_send_due,
    delivery_requeue,
    notification_enqueue,
)
from calsreg.notifications.tasks import send_delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.notifications.factories import enqueue_received, received_context, subject_factory
from tests.plugins.smtp import free_port

T0 = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "language", "to"),
    [
        ("no_such_notice", "ja", "a@example.jp"),
        ("application_received", "fr", "a@example.jp"),
        ("../../secret", "ja", "a@example.jp"),
        ("application_received", "ja", "not an address"),
        ("application_received", "ja", "a@example.jp\nBcc: b@example.jp"),
    ],
)
@pytest.mark.django_db
def test_enqueue_refuses_programming_errors_and_records_nothing(kind, language, to):
    # given
    subject = subject_factory()

    # when / then
    with pytest.raises(ValueError):
        notification_enqueue(
            kind=kind,
            to=to,
            context=received_context(),
            subject=subject,
            idempotency_key="k",
            language=language,
        )
    assert Delivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_records_a_pending_delivery_and_one_task(time_machine):
    # given
    time_machine.move_to(T0, tick=False)
    subject = subject_factory()

    # when
    delivery = enqueue_received(subject=subject, key="application_received:42")

    # then
    assert delivery.kind == "application_received"
    assert delivery.to_address == "tanaka@echigo-kensetsu.example.jp"
    assert delivery.language == "ja"
    assert delivery.context == received_context()
    # A model from outside calsreg is named with its app label (core/subjects.py).
    assert (delivery.subject_type, delivery.subject_id) == ("auth.group", subject.pk)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert delivery.next_attempt_at == T0
    task = DBTaskResult.objects.get()
    assert task.task_path == "calsreg.notifications.tasks.send_delivery"
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    assert list(deliveries_for(subject=subject)) == [delivery]


@pytest.mark.django_db
def test_send_due_sends_synchronously_and_the_queued_task_then_skips(smtp_server, time_machine):
    # given
    time_machine.move_to(T0, tick=False)
    delivery = enqueue_received()

    # when
    sent = deliveries_send_due()
    outcome = send_delivery.call(delivery.pk)  # the task already queued for the same row

    # then
    assert sent == 1
    assert outcome == "skipped"
    assert len(smtp_server.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (DeliveryStatus.SENT, 1, T0)


@pytest.mark.django_db
def test_send_due_retries_a_refused_connection_only_when_due(settings, smtp_server, time_machine):
    # given a mail server that is down
    time_machine.move_to(T0, tick=False)
    settings.MAIL_RETRY_BASE_SECONDS = 60
    settings.EMAIL_PORT = free_port()
    delivery = enqueue_received()

    # when
    first = deliveries_send_due(now=T0)

    # then
    delivery.refresh_from_db()
    assert first == 0
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=60)
    assert delivery.last_error.startswith("ConnectionRefusedError: ")

    # when the server is back, before and at the planned time
    settings.EMAIL_PORT = smtp_server.port
    early = deliveries_send_due(now=T0 + timedelta(seconds=59))
    due = deliveries_send_due(now=T0 + timedelta(seconds=60))

    # then
    assert (early, due) == (0, 1)
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_outbox_backend_stores_a_readable_row_linked_to_its_delivery(settings, time_machine):
    # given
    time_machine.move_to(T0, tick=False)
    settings.EMAIL_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
    delivery = enqueue_received()

    # when
    assert deliveries_send_due() == 1

    # then
    row = OutboxMessage.objects.get()
    delivery.refresh_from_db()
    assert row.delivery == delivery
    assert row.subject == "【新潟県CALSシステム】利用申込を受け付けました（受付番号：R2026-000123）"
    assert row.from_address == "新潟県CALSヘルプデスク <helpdesk@calsreg.example.jp>"
    assert row.to_addresses == "tanaka@echigo-kensetsu.example.jp"
    assert row.body.startswith("株式会社越後建設\n田中 一郎 様\n\n")
    assert "■ 受付番号　：R2026-000123\n" in row.body
    assert row.message_id == delivery.message_id
    assert row.sent_at == delivery.sent_at == T0
    assert "\nSubject: \n =?utf-8?b?" in row.raw
    assert f"X-Calsreg-Delivery: {delivery.pk}\n" in row.raw
    assert "■ 受付番号　：R2026-000123" in row.raw  # 8bit UTF-8 body, readable as text


@pytest.mark.django_db
def test_prepare_hook_supplies_send_time_context_that_is_never_stored(settings):
    # given a hook that adds what must not be stored
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seen = []

    def prepare(*, delivery):
        seen.append(delivery.pk)
        return {"applicant_name": "送信時 太郎"}

    register_prepare(kind="application_received", hook=prepare)
    try:
        delivery = enqueue_received()

        # when
        deliveries_send_due()
    finally:
        unregister_prepare(kind="application_received")

    # then
    assert seen == [delivery.pk]
    assert "送信時 太郎 様" in mail.outbox[0].body
    delivery.refresh_from_db()
    assert delivery.context["applicant_name"] == "田中 一郎"


def test_a_secret_is_in_the_sent_rendering_only_and_never_in_its_repr():
    context = {**received_context(), "applicant_name": Secret.password("Zq7-secret-name")}

    mail_ = render_mail(kind="application_received", language="ja", context=context)

    assert "Zq7-secret-name 様" in mail_.body
    assert "Zq7-secret-name" not in mail_.kept_body
    assert "（パスワードは表示しません） 様" in mail_.kept_body
    assert mail_.kept_subject == mail_.subject
    assert "Zq7" not in repr(context) and "Zq7" not in repr(context["applicant_name"])


@pytest.mark.django_db
def test_registering_a_second_hook_for_a_kind_is_refused():
    def first(*, delivery):
        return {}

    def second(*, delivery):
        return {}

    register_prepare(kind="some_kind", hook=first)
    try:
        register_prepare(kind="some_kind", hook=first)  # the same again is harmless
        with pytest.raises(ValueError):
            register_prepare(kind="some_kind", hook=second)
    finally:
        unregister_prepare(kind="some_kind")


@pytest.mark.django_db
def test_desk_requeues_a_failed_delivery_with_an_audit_record(settings, smtp_server, time_machine):
    # given a delivery that gave up
    time_machine.move_to(T0, tick=False)
    settings.MAIL_RETRY_HOURS = 0  # the first failure is the last
    delivery = enqueue_received()
    smtp_server.refuse_next(reply="451 4.3.0 Try again later")
    deliveries_send_due(now=T0)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED

    # when
    requeued = delivery_requeue(
        delivery_id=delivery.pk, actor=Actor.system("desk"), now=T0 + timedelta(hours=1)
    )

    # then
    assert (requeued.status, requeued.attempts) == (DeliveryStatus.PENDING, 0)
    assert requeued.next_attempt_at == T0 + timedelta(hours=1)
    event = AuditEvent.objects.get(action="notification.requeued")
    assert (event.subject_type, event.subject_id) == ("delivery", delivery.pk)
    assert event.data["status"] == "failed"
    assert event.data["attempts"] == 1
    assert event.data["last_error"] == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert DBTaskResult.objects.filter(status="READY").count() == 2  # the first task and the re-send
    assert deliveries_send_due(now=T0 + timedelta(hours=1)) == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_a_row_left_in_sending_is_not_resent_by_send_due_and_the_desk_waits_for_the_lease(
    smtp_server, time_machine
):
    # given an attempt claimed at T0 whose process died before recording the outcome
    time_machine.move_to(T0, tick=False)
    delivery = enqueue_received()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, last_attempt_at=T0, next_attempt_at=T0
    )
    later = T0 + send_lease()

    # when / then: nothing sends it automatically
    assert deliveries_send_due(now=later) == 0
    assert smtp_server.messages == []
    assert list(deliveries_stuck(now=later - timedelta(seconds=1))) == []
    assert list(deliveries_stuck(now=later)) == [delivery]

    # and the desk can't requeue while the attempt may still be running
    with pytest.raises(InvalidTransition):
        delivery_requeue(
            delivery_id=delivery.pk, actor=Actor.system("desk"), now=later - timedelta(seconds=1)
        )

    # when it is stuck for good
    delivery_requeue(delivery_id=delivery.pk, actor=Actor.system("desk"), now=later)

    # then
    assert deliveries_send_due(now=later) == 1
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_requeue_of_a_sent_delivery_is_refused_and_changes_nothing(smtp_server):
    # given
    delivery = enqueue_received()
    deliveries_send_due()
    delivery.refresh_from_db()

    # when / then
    with pytest.raises(InvalidTransition):
        delivery_requeue(delivery_id=delivery.pk, actor=Actor.system("desk"))
    after = Delivery.objects.get(pk=delivery.pk)
    assert (after.status, after.attempts, after.sent_at) == (DeliveryStatus.SENT, 1, delivery.sent_at)
    assert AuditEvent.objects.count() == 0
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_send_pending_mail_command_sends_what_is_due(smtp_server):
    # given
    enqueue_received(key="a")
    enqueue_received(key="b", subject=subject_factory("申込#2"))
    out = StringIO()

    # when
    call_command("send_pending_mail", stdout=out)

    # then
    assert out.getvalue() == "sent=2\n"
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db
def test_with_a_non_database_task_backend_the_mail_waits_for_the_commit(
    settings, smtp_server, django_capture_on_commit_callbacks
):
    # given a task backend that runs tasks at once, outside the database
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": list(settings.TASK_QUEUES),
        }
    }

    # when a change that enqueues a notice is rolled back, then one is committed
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_received(key="rolled-back")
            raise RuntimeError("the business change failed")
        with transaction.atomic():
            enqueue_received(key="committed")
            sent_inside_transaction = len(smtp_server.messages)

    # then only the committed one is sent, and only after its commit
    assert sent_inside_transaction == 0
    assert len(callbacks) == 1
    assert len(smtp_server.messages) == 1
    assert Delivery.objects.get().idempotency_key == "committed"
