"""Fault tests of mail: a long outage of the mail server, and a worker killed while sending."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.recovery import deliveries_recover
from calsreg.notifications.services import deliveries_send_due
from tests.notifications.factories import enqueue_received, subject_factory
from tests.plugins.processes import wait_until
from tests.plugins.smtp import free_port

T0 = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)
NOTICES = 1000


def enqueue_notices(count: int) -> None:
    subject = subject_factory()
    with transaction.atomic():
        for number in range(count):
            enqueue_received(subject=subject, key=f"outage:{number}", to=f"user{number}@example.jp")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_thousand_notices_outlive_an_outage_past_the_retry_budget_and_go_out_once(
    settings, smtp_server, run_tasks, time_machine
):
    # given a mail server that is down, and a budget of one hour (one retry, at its end)
    settings.MAIL_RETRY_HOURS = 1
    settings.MAIL_RETRY_BASE_SECONDS = 3600
    settings.EMAIL_PORT = free_port()
    time_machine.move_to(T0, tick=False)
    enqueue_notices(NOTICES)

    # when every attempt is made through the outage, past the budget (the same per-row function as
    # the worker's task; the worker itself sends after the recovery below)
    for at in (T0, T0 + timedelta(hours=1), T0 + timedelta(days=1)):
        time_machine.move_to(at, tick=False)
        deliveries_send_due()

    # then every notice failed, none left
    assert Counter(Delivery.objects.values_list("status", "failure_transient")) == {
        (DeliveryStatus.FAILED, True): NOTICES
    }
    assert smtp_server.messages == []

    # when the server is back, the maintenance runs once and the worker drains the queue
    settings.EMAIL_PORT = smtp_server.port
    time_machine.move_to(T0 + timedelta(days=2), tick=False)
    taken = deliveries_recover()
    run_tasks()

    # then each notice arrived exactly once, with the Message-ID on its row
    assert taken == NOTICES
    headers = [message["X-Calsreg-Delivery"] for message in smtp_server.messages]
    assert len(headers) == NOTICES
    assert len(set(headers)) == NOTICES
    rows = dict(Delivery.objects.values_list("pk", "message_id"))
    assert {int(m["X-Calsreg-Delivery"]): m["Message-ID"] for m in smtp_server.messages} == rows
    assert Counter(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT: NOTICES}
    # and a further pass finds nothing to do
    assert deliveries_recover() == 0


@pytest.mark.slow
@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a child process needs a shared database")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_waiting_for_the_server_loses_nothing_and_sends_each_once(
    settings, smtp_server, spawn, time_machine
):
    # given 300 notices and a mail server that hangs before answering the 101st message's DATA
    time_machine.move_to(T0, tick=True)
    enqueue_notices(300)
    hang_before_answering(smtp_server, nth=101, seconds=3)
    env = {
        "CALSREG_EMAIL_BACKEND": "smtp",
        "CALSREG_EMAIL_HOST": smtp_server.host,
        "CALSREG_EMAIL_PORT": str(smtp_server.port),
    }
    worker = spawn("run_worker", "--interval", "0.2", env=env)

    # when the worker is killed while it waits for that answer (its row is 送信中)
    wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.SENDING).exists(), timeout=60)
    wait_until(lambda: smtp_server.hung.is_set(), timeout=60)
    worker.kill()
    killed_at = Counter(Delivery.objects.values_list("status", flat=True))
    (in_flight,) = Delivery.objects.filter(status=DeliveryStatus.SENDING).values_list("pk", "message_id")
    # (the server drops a message whose sender went away before its answer: it was never accepted)

    # and, past the lease, the maintenance runs (the worker runs it by itself) and a new worker starts
    settings.MAIL_SEND_LEASE_SECONDS = 2
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=2), tick=True)
    deliveries_recover()
    short_lease = {"CALSREG_MAIL_SEND_LEASE_SECONDS": "2", "CALSREG_WORKER_LEASE_SECONDS": "2"}
    spawn("run_worker", "--interval", "0.2", env={**env, **short_lease})
    wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 300, timeout=90)

    # then every notice arrived, each under its row's one Message-ID
    received: dict[int, list[str]] = {}
    for message in smtp_server.messages:
        received.setdefault(int(message["X-Calsreg-Delivery"]), []).append(message["Message-ID"])
    rows = dict(Delivery.objects.values_list("pk", "message_id"))
    assert killed_at[DeliveryStatus.SENDING] == 1
    assert set(received) == set(rows)
    assert all(set(ids) == {rows[pk]} for pk, ids in received.items())
    # and each exactly once: the one in flight at the kill was sent again after the lease, under the
    # Message-ID its first attempt had
    assert {pk: len(ids) for pk, ids in received.items()} == dict.fromkeys(rows, 1)
    assert rows[in_flight[0]] == in_flight[1]
    assert len(smtp_server.messages) == 300


def hang_before_answering(server, *, nth: int, seconds: float) -> None:
    """Make the server wait ``seconds`` before accepting the ``nth`` message (``server.hung`` is set
    while it waits): a kill then lands while the worker waits for the 250."""
    import asyncio
    import threading

    accept = server.handle_DATA
    server.hung = threading.Event()
    seen = [0]

    async def handle_data(*args):
        seen[0] += 1
        if seen[0] == nth:
            server.hung.set()
            await asyncio.sleep(seconds)
        return await accept(*args)

    server.handle_DATA = handle_data
