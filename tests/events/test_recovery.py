"""Webhooks whose task was lost with a worker (killed after taking the task, or while the row was
sending) are queued again by the workers' maintenance — once — and reach the receiver once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.services import project_suspend
from calsreg.core.outbound import OutboundStatus
from calsreg.events.models import WebhookDelivery, WebhookStatus
from calsreg.events.tasks import webhook_deliveries_recover
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, desk_actor, started
from tests.events.helpers import Receiver, free_port, subscriber_for

T0 = A_DAY_OF_THE_PERIOD
TASK = "calsreg.events.tasks.send_webhooks"


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = True


@pytest.fixture
def receiver():
    receiver = Receiver(port=free_port())
    yield receiver
    receiver.stop()


def _suspended_with_its_task_lost(time_machine, receiver):
    """A subscriber's webhook of a suspension, whose task a dead worker took with it."""
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    made = subscriber_for(receiver)
    project_suspend(project=project, actor=desk_actor(), at=T0, summary="test", summary_params={}, data={})
    DBTaskResult.objects.filter(task_path=TASK).delete()
    return made.subscriber


@pytest.mark.django_db(transaction=True)
def test_a_webhook_whose_task_was_lost_is_queued_once_and_arrives_once(receiver, run_tasks, time_machine):
    # given
    _suspended_with_its_task_lost(time_machine, receiver)
    receiver.start()
    # when the maintenance runs within a minute of it being due (nothing), after, twice, then the worker
    time_machine.move_to(T0 + timedelta(seconds=59), tick=False)
    assert webhook_deliveries_recover() == 0
    time_machine.move_to(T0 + timedelta(minutes=1), tick=False)
    first, second = webhook_deliveries_recover(), webhook_deliveries_recover()
    run_tasks()
    # then one task was queued, and the receiver got the event once
    assert (first, second) == (1, 0)
    assert receiver.types == ["project.suspended"]
    assert WebhookDelivery.objects.get().status == WebhookStatus.DELIVERED
    assert webhook_deliveries_recover() == 0


@pytest.mark.django_db(transaction=True)
def test_a_webhook_left_sending_by_a_dead_worker_is_sent_again_after_it_is_stuck(
    receiver, run_tasks, time_machine
):
    # given a row claimed by a worker that died before the answer
    _suspended_with_its_task_lost(time_machine, receiver)
    WebhookDelivery.objects.update(status=OutboundStatus.SENDING, last_attempt_at=T0, attempts=1)
    receiver.start()
    # when: before it counts as stuck nothing is queued; after, one task
    time_machine.move_to(T0 + timedelta(minutes=4, seconds=59), tick=False)
    early = webhook_deliveries_recover()
    time_machine.move_to(T0 + timedelta(minutes=5), tick=False)
    late = webhook_deliveries_recover()
    run_tasks()
    # then
    assert (early, late) == (0, 1)
    assert receiver.types == ["project.suspended"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookStatus.DELIVERED, 2)


@pytest.mark.django_db(transaction=True)
def test_an_inactive_subscribers_webhooks_are_not_queued(receiver, time_machine):
    # given
    subscriber = _suspended_with_its_task_lost(time_machine, receiver)
    type(subscriber).objects.filter(pk=subscriber.pk).update(active=False)
    # when / then
    time_machine.move_to(T0 + timedelta(minutes=2), tick=False)
    assert webhook_deliveries_recover() == 0
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 0
