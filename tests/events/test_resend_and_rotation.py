"""Re-sending failed webhook deliveries (the desk's service) and signing-secret rotation with an
overlap, against a real HTTP receiver that verifies each request as a subscriber should."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.services import project_reinstate, project_suspend
from calsreg.events.models import Subscriber, WebhookDelivery, WebhookStatus
from calsreg.events.services import webhook_deliveries_resend
from calsreg.records.models import AuditEvent
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, desk_actor, started
from tests.events.helpers import Receiver, free_port, subscriber_for

pytestmark = pytest.mark.django_db(transaction=True)

T0 = A_DAY_OF_THE_PERIOD


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    settings.EVENTS_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.EVENTS_WEBHOOK_MAX_ATTEMPTS = 1
    settings.EVENTS_SECRET_OVERLAP_SECONDS = 86400


@pytest.fixture
def receiver():
    receiver = Receiver(port=free_port())
    yield receiver
    receiver.stop()


def _suspend(project):
    project_suspend(project=project, actor=desk_actor(), at=T0, summary="test", summary_params={}, data={})


def _reinstate(project):
    project_reinstate(project=project, actor=desk_actor(), at=T0, summary="test", summary_params={}, data={})


def _failed_delivery(receiver, run_tasks, time_machine) -> WebhookDelivery:
    """A suspension's webhook failed for good: the receiver was down for its only attempt."""
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)
    _suspend(project)
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookStatus.FAILED, 1)
    return delivery


def test_a_failed_webhook_resent_by_the_desk_reaches_the_receiver_exactly_once(
    receiver, run_tasks, time_machine
):
    # given a failed delivery, and the receiver back up
    failed = _failed_delivery(receiver, run_tasks, time_machine)
    receiver.start()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    staff = desk_actor()

    # when the desk re-sends it (twice: the second finds it pending) and the worker runs twice
    assert webhook_deliveries_resend(delivery_ids=[failed.pk], actor=staff) == 1
    assert webhook_deliveries_resend(delivery_ids=[failed.pk], actor=staff) == 0
    run_tasks()
    run_tasks()

    # then it arrived once, signed, from a fresh first attempt; the re-send is audited once
    assert receiver.types == ["project.suspended"]
    assert receiver.received[0].signature_ok
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.delivered_at) == (
        WebhookStatus.DELIVERED,
        1,
        T0 + timedelta(hours=1),
    )
    audit = AuditEvent.objects.get(action="events.webhook_resent")
    assert (audit.actor_id, audit.subject_type, audit.subject_id) == (
        staff.user.pk,
        "webhookdelivery",
        failed.pk,
    )


def test_resending_a_delivered_webhook_changes_nothing_and_sends_nothing(receiver, run_tasks, time_machine):
    # given a delivered webhook
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    subscriber_for(receiver)
    receiver.start()
    _suspend(project)
    run_tasks()
    before = list(WebhookDelivery.objects.values())
    tasks_before = DBTaskResult.objects.count()
    audits_before = AuditEvent.objects.count()

    # when someone re-sends it, and the worker runs
    resent = webhook_deliveries_resend(delivery_ids=[before[0]["id"]], actor=desk_actor())
    run_tasks()

    # then nothing was re-queued, changed, enqueued, audited or sent again
    assert resent == 0
    assert list(WebhookDelivery.objects.values()) == before
    assert DBTaskResult.objects.count() == tasks_before
    assert AuditEvent.objects.count() == audits_before
    assert receiver.types == ["project.suspended"]


def _rotate(name: str) -> str:
    out = io.StringIO()
    call_command("events_subscriber_rotate_secret", name, stdout=out)
    [line] = [line for line in out.getvalue().splitlines() if line.startswith("signing secret: ")]
    return line.removeprefix("signing secret: ")


def test_after_a_rotation_the_old_secret_verifies_until_the_overlap_ends_and_no_longer(
    receiver, run_tasks, time_machine
):
    # given a receiver verifying with the subscriber's secret, which the administrator rotates
    time_machine.move_to(T0, tick=False)
    project, _accounts = started()
    old = subscriber_for(receiver).signing_secret
    receiver.start()
    new = _rotate("情報共有システム")
    assert new != old

    # when a change is sent while the receiver still holds the old secret: it verifies
    _suspend(project)
    run_tasks()
    # and once the receiver switched to the new one: it verifies too
    receiver.secret = new
    _reinstate(project)
    run_tasks()
    # and after the overlap, a receiver still on the old secret (or someone who stole it) fails
    time_machine.move_to(T0 + timedelta(seconds=86400), tick=False)
    receiver.secret = old
    _suspend(project)
    run_tasks()

    # then
    assert receiver.types == ["project.suspended", "project.reinstated", "project.suspended"]
    assert [r.signature_ok for r in receiver.received] == [True, True, False]
    subscriber = Subscriber.objects.get()
    assert (subscriber.signing_secret, subscriber.previous_signing_secret) == (new, old)
    assert subscriber.previous_signing_secret_until == T0 + timedelta(seconds=86400)
    assert AuditEvent.objects.filter(action="events.subscriber_secret_rotated").count() == 1
