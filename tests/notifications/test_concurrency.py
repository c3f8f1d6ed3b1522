"""Row locks: two workers racing for one delivery send it once (PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from calsreg.notifications.tasks import SendOutcome, delivery_send
from tests.notifications.factories import enqueue_received


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_send_it_once(smtp_server):
    # given
    with transaction.atomic():
        delivery = enqueue_received()
    start = threading.Barrier(2)
    outcomes: list[SendOutcome] = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(delivery_send(delivery_id=delivery.pk))
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(outcomes) == [SendOutcome.SENT, SendOutcome.SKIPPED]
    assert len(smtp_server.messages) == 1
