"""Webhooks through the real worker (db_worker) to a real HTTP receiver on 127.0.0.1: signed, in
order, exactly once — also when the receiver was down for a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.services import project_reinstate, project_suspend
from calsreg.events.models import Event, Subscriber, WebhookDelivery, WebhookStatus
from calsreg.events.selectors import deliveries_of
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, desk_actor, started
from tests.events.helpers import Receiver, free_port, subscriber_for

T0 = A_DAY_OF_THE_PERIOD


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    settings.EVENTS_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.EVENTS_WEBHOOK_MAX_ATTEMPTS = 12


@pytest.fixture
def receiver():
    receiver = Receiver(port=free_port())
    yield receiver
    receiver.stop()


def _suspend(project, at):
    return project_suspend(
        project=project, actor=desk_actor(), at=at, summary="test", summary_params={}, data={}
    )


def _reinstate(project, at):
    return project_reinstate(
        project=project, actor=desk_actor(), at=at, summary="test", summary_params={}, data={}
    )


@pytest.mark.django_db(transaction=True)
def test_receiver_gets_each_event_once_signed_and_fresh(receiver, run_tasks, time_machine):
    # given a project of three people in use, and a subscriber listening
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)
    receiver.start()

    # when the project is suspended and the worker runs (twice: nothing is sent again)
    _suspend(project, T0)
    run_tasks()
    run_tasks()

    # then exactly one event arrived, signed with the subscriber's secret, stamped now
    assert receiver.types == ["project.suspended"]
    got = receiver.received[0]
    event = Event.objects.get(type="project.suspended")
    assert got.event_id == str(event.public_id)
    assert got.signature_ok and got.timestamp_ok
    assert got.timestamp == int(T0.timestamp())
    assert got.body == {
        "id": str(event.public_id),
        "cursor": event.pk,
        "type": "project.suspended",
        "occurred_at": event.occurred_at.isoformat(),
        "subject": {"project_number": project.project_number, "account_id": ""},
        "payload": event.payload,
    }
    assert got.body["payload"]["project"]["state"] == "suspended"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.delivered_at) == (
        WebhookStatus.DELIVERED,
        1,
        200,
        T0,
    )


@pytest.mark.django_db(transaction=True)
def test_a_receiver_with_a_wrong_secret_would_refuse_the_signature(receiver, run_tasks, time_machine):
    # given a receiver that holds another secret (a forged or stale one)
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)
    receiver.secret = "whsec_not-the-right-one"
    receiver.start()

    # when
    _suspend(project, T0)
    run_tasks()

    # then the signature does not verify
    assert [r.signature_ok for r in receiver.received] == [False]


@pytest.mark.django_db(transaction=True)
def test_receiver_down_then_failing_gets_everything_once_in_order_after_it_returns(
    receiver, run_tasks, time_machine
):
    # given a subscriber whose receiver is not listening (connection refused)
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)

    # when three changes happen while it is down
    _suspend(project, T0)
    _reinstate(project, T0)
    _suspend(project, T0)
    run_tasks()

    # then the first waits for a retry after the first back-off, the others wait behind it
    log = list(deliveries_of(subscriber=Subscriber.objects.get()))
    assert [(d.status, d.attempts) for d in log] == [
        (WebhookStatus.PENDING, 1),
        (WebhookStatus.PENDING, 0),
        (WebhookStatus.PENDING, 0),
    ]
    assert log[0].next_attempt_at == T0 + timedelta(seconds=30)
    assert log[0].last_error.startswith("URLError")
    assert DBTaskResult.objects.filter(status="READY").get().run_after == T0 + timedelta(seconds=30)

    # when it comes back answering 500
    receiver.status = 500
    receiver.start()
    time_machine.move_to(T0 + timedelta(seconds=29), tick=False)
    run_tasks()
    assert WebhookDelivery.objects.get(pk=log[0].pk).attempts == 1  # not before the back-off
    time_machine.move_to(T0 + timedelta(seconds=30), tick=False)
    run_tasks()

    # then the back-off doubles and the status is logged
    first = WebhookDelivery.objects.get(pk=log[0].pk)
    assert (first.attempts, first.last_status, first.last_error) == (2, 500, "HTTP 500")
    assert first.next_attempt_at == T0 + timedelta(seconds=90)

    # when it answers 200 again and the retry is due
    receiver.status = 200
    time_machine.move_to(T0 + timedelta(seconds=90), tick=False)
    run_tasks()
    run_tasks()

    # then everything arrived once, in order, each signed
    expected = list(Event.objects.filter(pk__gt=log[0].event_id - 1).order_by("pk"))
    assert receiver.types == ["project.suspended", "project.reinstated", "project.suspended"]
    assert [r.event_id for r in receiver.received] == [str(e.public_id) for e in expected]
    assert all(r.signature_ok for r in receiver.received)
    assert [(d.status, d.attempts) for d in deliveries_of(subscriber=Subscriber.objects.get())] == [
        (WebhookStatus.DELIVERED, 3),
        (WebhookStatus.DELIVERED, 1),
        (WebhookStatus.DELIVERED, 1),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_failing_every_attempt_is_marked_failed_and_the_next_one_goes(
    receiver, run_tasks, time_machine, settings
):
    # given
    settings.EVENTS_WEBHOOK_MAX_ATTEMPTS = 2
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)
    _suspend(project, T0)
    run_tasks()  # attempt 1: refused

    # when the receiver comes back after the last attempt was used up... by a 500
    receiver.status = 500
    receiver.start()
    _reinstate(project, T0)
    time_machine.move_to(T0 + timedelta(seconds=30), tick=False)
    receiver.status = 500
    run_tasks()

    # then the first is failed for good, the second is tried (and waits for its own back-off)
    first, second = deliveries_of(subscriber=Subscriber.objects.get())
    assert (first.status, first.attempts, first.last_status) == (WebhookStatus.FAILED, 2, 500)
    assert (second.status, second.attempts) == (WebhookStatus.PENDING, 1)
    receiver.status = 200
    time_machine.move_to(T0 + timedelta(seconds=60), tick=False)
    run_tasks()
    assert receiver.types == ["project.reinstated"]


@pytest.mark.django_db
def test_a_webhook_url_to_another_host_over_plain_http_is_refused_and_nothing_is_created(settings):
    # given plain http is allowed to this machine only
    settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = True

    # when
    for url in ("http://example.com/hook", "ftp://127.0.0.1/x", "https://user:pw@example.com/x"):
        with pytest.raises(CommandError, match="Webhook URL"):
            call_command("events_subscriber_create", "evil", "--webhook-url", url)

    # then
    assert Subscriber.objects.count() == 0


@pytest.mark.django_db
def test_plain_http_even_to_this_machine_is_refused_unless_allowed(settings):
    settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    with pytest.raises(CommandError, match="Webhook URL"):
        call_command("events_subscriber_create", "local", "--webhook-url", "http://127.0.0.1:9/x")
    assert Subscriber.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_redirect_is_not_followed(run_tasks, time_machine):
    # given a receiver answering 302 to elsewhere
    receiver = Receiver(port=free_port(), status=302)
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)
    receiver.start()
    try:
        # when
        _suspend(project, T0)
        run_tasks()
    finally:
        receiver.stop()

    # then the attempt counts as failed, to be retried
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status) == (WebhookStatus.PENDING, 302)
