"""The worker's mail maintenance (calsreg.notifications.recovery) and the retry budget, rule by rule."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from calsreg.core.errors import InvalidTransition
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.recovery import (
    deliveries_lease_expired_requeue,
    deliveries_orphaned_enqueue,
    deliveries_recover,
    deliveries_transient_failures_requeue,
)
from calsreg.notifications.rendering import _requeue_checks, register_requeue_check
from calsreg.notifications.services import deliveries_send_due
from calsreg.notifications.tasks import retry_delay, send_delivery
from calsreg.records.models import AuditEvent
from tests.notifications.factories import enqueue_received, subject_factory
from tests.plugins.smtp import SMTP_HOST, free_port

T0 = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)
MESSAGE_ID = "<first-attempt@calsreg.example.jp>"

pytestmark = pytest.mark.django_db


def left_sending(*, key: str = "k", claimed_at: datetime = T0) -> Delivery:
    """A delivery whose worker claimed it at ``claimed_at`` and died before recording the outcome."""
    delivery = enqueue_received(key=key, subject=subject_factory(key))
    DBTaskResult.objects.all().delete()  # that worker took the task with it
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=1,
        last_attempt_at=claimed_at,
        first_attempt_at=claimed_at,
        message_id=MESSAGE_ID,
        claim_token="dead-worker",
    )
    return Delivery.objects.get(pk=delivery.pk)


def failed(*, key: str, transient: bool, at: datetime = T0) -> Delivery:
    delivery = enqueue_received(key=key, subject=subject_factory(key))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED,
        attempts=7,
        last_attempt_at=at,
        first_attempt_at=at,
        next_attempt_at=None,
        failure_transient=transient,
        message_id=f"<{key}@calsreg.example.jp>",
        last_error="ConnectionRefusedError: [Errno 111]" if transient else "SMTPRecipientsRefused: 550",
    )
    return Delivery.objects.get(pk=delivery.pk)


def snapshot() -> tuple:
    return (
        tuple(Delivery.objects.order_by("pk").values_list("pk", "status", "attempts", "next_attempt_at")),
        DBTaskResult.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_claim_is_kept_until_its_lease_runs_out_to_the_second(settings, time_machine):
    # given
    settings.MAIL_SEND_LEASE_SECONDS = 90
    time_machine.move_to(T0, tick=False)
    delivery = left_sending()
    before = snapshot()

    # when one second before the lease ends
    taken = deliveries_lease_expired_requeue(now=T0 + timedelta(seconds=89))

    # then nothing changed
    assert taken == 0
    assert snapshot() == before

    # when the lease ends
    at = T0 + timedelta(seconds=90)
    taken = deliveries_lease_expired_requeue(now=at)

    # then it is due again, with its Message-ID, a task and an audit row
    assert taken == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.PENDING, 1, at)
    assert delivery.message_id == MESSAGE_ID
    task = DBTaskResult.objects.get()
    assert (task.status, task.args_kwargs["args"]) == ("READY", [delivery.pk])
    event = AuditEvent.objects.get()
    assert (event.action, event.subject_id) == ("notification.lease_expired", delivery.pk)
    assert event.data["message_id"] == MESSAGE_ID
    # and a second pass (or a second worker) finds nothing more
    assert deliveries_lease_expired_requeue(now=T0 + timedelta(seconds=91)) == 0
    assert DBTaskResult.objects.count() == 1


def test_a_mail_sent_again_after_the_lease_carries_the_first_attempts_message_id(
    settings, smtp_server, time_machine
):
    # given
    settings.MAIL_SEND_LEASE_SECONDS = 90
    time_machine.move_to(T0, tick=False)
    delivery = left_sending()
    at = T0 + timedelta(seconds=90)
    deliveries_recover_at(time_machine, at)

    # when
    sent = deliveries_send_due(now=at)

    # then
    assert sent == 1
    assert [m["Message-ID"] for m in smtp_server.messages] == [MESSAGE_ID]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.message_id) == (DeliveryStatus.SENT, 2, MESSAGE_ID)


def deliveries_recover_at(time_machine, at: datetime) -> int:
    time_machine.move_to(at, tick=False)
    return deliveries_recover()


def test_a_retry_after_a_transient_failure_keeps_the_message_id(settings, smtp_server, time_machine):
    # given a first attempt refused with a 451
    settings.MAIL_RETRY_BASE_SECONDS = 60
    time_machine.move_to(T0, tick=False)
    delivery = enqueue_received()
    smtp_server.refuse_next(reply="451 4.3.0 Busy")
    deliveries_send_due(now=T0)
    delivery.refresh_from_db()
    first_message_id = delivery.message_id

    # when the retry goes out
    assert deliveries_send_due(now=T0 + timedelta(seconds=60)) == 1

    # then
    assert [m["Message-ID"] for m in smtp_server.messages] == [first_message_id]


def test_a_pending_mail_whose_task_ended_unsent_gets_one_task_after_a_minute_and_only_one(time_machine):
    # given a worker took the task and died before claiming the row (its task row says finished)
    time_machine.move_to(T0, tick=False)
    delivery = enqueue_received()
    DBTaskResult.objects.update(status="FAILED", started_at=T0, finished_at=T0)

    # when a minute has not quite passed
    assert deliveries_orphaned_enqueue(now=T0 + timedelta(seconds=59)) == 0

    # then nothing was enqueued; after the minute, one task
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    assert deliveries_orphaned_enqueue(now=T0 + timedelta(seconds=61)) == 1
    task = DBTaskResult.objects.get(status="READY")
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}
    # and not a second one on the next pass
    assert deliveries_orphaned_enqueue(now=T0 + timedelta(seconds=120)) == 0
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_pending_mail_whose_task_is_running_past_the_lease_gets_a_new_task(settings, time_machine):
    # given the task row of a killed worker, left RUNNING
    settings.MAIL_SEND_LEASE_SECONDS = 90
    time_machine.move_to(T0, tick=False)
    enqueue_received()
    DBTaskResult.objects.update(status="RUNNING", started_at=T0)

    # when / then: a task running within the lease may still claim the row; past it, it is dead
    assert deliveries_orphaned_enqueue(now=T0 + timedelta(seconds=89)) == 0
    assert deliveries_orphaned_enqueue(now=T0 + timedelta(seconds=91)) == 1
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_pending_mail_with_its_task_waiting_is_left_alone(time_machine):
    # given a busy queue: the task is READY, the row overdue
    time_machine.move_to(T0, tick=False)
    enqueue_received()
    before = snapshot()

    # when
    taken = deliveries_orphaned_enqueue(now=T0 + timedelta(minutes=30))

    # then
    assert taken == 0
    assert snapshot() == before


def test_a_refused_recipient_fails_as_permanent_and_a_busy_server_as_transient(
    settings, smtp_server, time_machine
):
    # given a budget that ends at the first failure
    settings.MAIL_RETRY_HOURS = 0
    time_machine.move_to(T0, tick=False)
    refused = enqueue_received(key="refused", subject=subject_factory("a"))
    busy = enqueue_received(key="busy", subject=subject_factory("b"))
    smtp_server.refuse_next(reply="550 5.1.1 No such user", at="RCPT")
    smtp_server.refuse_next(reply="451 4.3.0 Busy", at="DATA")

    # when
    deliveries_send_due(now=T0)

    # then
    refused.refresh_from_db()
    busy.refresh_from_db()
    assert (refused.status, refused.failure_transient) == (DeliveryStatus.FAILED, False)
    assert (busy.status, busy.failure_transient) == (DeliveryStatus.FAILED, True)


def test_failed_mail_waits_while_the_mail_server_refuses_the_probe(settings, smtp_server, time_machine):
    # given a transient failure and a mail server still down
    time_machine.move_to(T0, tick=False)
    failed(key="down", transient=True)
    settings.EMAIL_PORT = free_port()
    before = snapshot()

    # when
    taken = deliveries_transient_failures_requeue(now=T0 + timedelta(hours=1))

    # then nothing changed
    assert taken == 0
    assert snapshot() == before


def test_once_the_probe_answers_transient_failures_are_sent_again_and_permanent_ones_stay(
    smtp_server, time_machine
):
    # given
    time_machine.move_to(T0, tick=False)
    transient = failed(key="transient", transient=True)
    permanent = failed(key="permanent", transient=False)
    DBTaskResult.objects.all().delete()
    at = T0 + timedelta(hours=1)

    # when
    taken = deliveries_transient_failures_requeue(now=at)

    # then
    assert taken == 1
    transient.refresh_from_db()
    permanent.refresh_from_db()
    assert (transient.status, transient.attempts, transient.first_attempt_at) == (
        DeliveryStatus.PENDING,
        0,
        None,
    )
    assert transient.next_attempt_at == at
    assert permanent.status == DeliveryStatus.FAILED
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[transient.pk]]
    event = AuditEvent.objects.get()
    assert (event.action, event.data) == ("notification.recovered", {"deliveries": [transient.pk]})
    # and the mail leaves with the Message-ID it had
    assert deliveries_send_due(now=at) == 1
    assert [m["Message-ID"] for m in smtp_server.messages] == ["<transient@calsreg.example.jp>"]


def test_a_failure_older_than_the_recovery_window_is_left_to_the_desk(settings, smtp_server, time_machine):
    # given a mail created eight days ago
    settings.MAIL_RECOVER_DAYS = 7
    time_machine.move_to(T0, tick=False)
    failed(key="old", transient=True)
    before = snapshot()

    # when
    taken = deliveries_transient_failures_requeue(now=T0 + timedelta(days=8))

    # then
    assert taken == 0
    assert snapshot() == before


def test_the_back_off_doubles_from_the_base_up_to_the_cap(settings):
    settings.MAIL_RETRY_BASE_SECONDS = 60
    settings.MAIL_RETRY_MAX_SECONDS = 3600

    delays = [retry_delay(attempts=n).total_seconds() for n in (1, 2, 3, 4, 5, 6, 7, 100)]

    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_server_down_is_retried_until_the_budget_ends_with_the_last_attempt_at_its_end(
    settings, time_machine
):
    # given a mail server that is down, a 2-hour budget, back-off 1800 s capped at 3600 s
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP_HOST, free_port()
    settings.MAIL_RETRY_HOURS = 2
    settings.MAIL_RETRY_BASE_SECONDS = 1800
    settings.MAIL_RETRY_MAX_SECONDS = 3600
    time_machine.move_to(T0, tick=False)
    delivery = enqueue_received()

    # when every attempt is made when due
    plan = []
    at = T0
    while True:
        deliveries_send_due(now=at)
        delivery.refresh_from_db()
        plan.append((at - T0, delivery.status))
        if delivery.status == DeliveryStatus.FAILED:
            break
        at = delivery.next_attempt_at

    # then: +0, +30 min, +1 h 30 min, and the last one at +2 h (not +3 h 30)
    assert plan == [
        (timedelta(0), DeliveryStatus.PENDING),
        (timedelta(minutes=30), DeliveryStatus.PENDING),
        (timedelta(minutes=90), DeliveryStatus.PENDING),
        (timedelta(hours=2), DeliveryStatus.FAILED),
    ]
    assert (delivery.attempts, delivery.failure_transient) == (4, True)


def test_a_hung_mail_server_fails_the_attempt_after_the_timeout_and_plans_a_retry(settings, time_machine):
    # given a server that accepts connections and never says a word
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 1
    settings.MAIL_RETRY_BASE_SECONDS = 60
    time_machine.move_to(T0, tick=False)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as hung:
        hung.bind((SMTP_HOST, 0))
        hung.listen(8)
        settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP_HOST, hung.getsockname()[1]
        delivery = enqueue_received()

        # when
        started = time.monotonic()
        sent = deliveries_send_due(now=T0)
        elapsed = time.monotonic() - started

    # then the attempt gave up after about a second, not 20
    assert sent == 0
    assert elapsed < 5
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == T0 + timedelta(seconds=60)
    assert delivery.failure_transient is True
    assert "timed out" in delivery.last_error
    retry = DBTaskResult.objects.get(status="READY", run_after=T0 + timedelta(seconds=60))
    assert retry.args_kwargs["args"] == [delivery.pk]
    assert send_delivery.module_path == retry.task_path


def test_a_mail_whose_kind_refuses_a_resend_is_never_sent_again_automatically(smtp_server, time_machine):
    # given a failed notice whose owner now refuses a re-send (like a password already chosen)
    time_machine.move_to(T0, tick=False)
    delivery = failed(key="refused-resend", transient=True)
    tasks_before = DBTaskResult.objects.count()

    def refuse(*, delivery):
        raise InvalidTransition("再送できません。", current=delivery.status, target="pending")

    register_requeue_check(kind="application_received", check=refuse)
    try:
        # when the server answers again
        taken = deliveries_transient_failures_requeue(now=T0 + timedelta(hours=1))
    finally:
        _requeue_checks.pop("application_received", None)

    # then it stays failed, with the refusal as its error, and nothing is queued or sent
    assert taken == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.failure_transient) == (DeliveryStatus.FAILED, False)
    assert delivery.last_error == "再送できません。"
    assert DBTaskResult.objects.count() == tasks_before
    assert AuditEvent.objects.count() == 0
    assert deliveries_send_due(now=T0 + timedelta(hours=1)) == 0
    assert smtp_server.messages == []
