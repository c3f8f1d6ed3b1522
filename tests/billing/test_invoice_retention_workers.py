"""The retention job in several workers at once (PostgreSQL row locks): a group another transaction
holds is skipped, not waited for; two workers racing delete it once, with one audit row."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection, transaction

from calsreg.billing.models import Invoice
from calsreg.billing.services.retention import invoices_retention_delete_due
from calsreg.records.models import AuditEvent
from tests.billing.invoice_helpers import jst
from tests.billing.test_invoice_retention import _issued, _pay

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
]

DAY = jst(2034, 6, 1, 3)


def _paid_invoice(capture) -> Invoice:
    (paid,) = _issued(1, capture)
    _pay(paid, date(2027, 1, 12))
    return paid


def test_a_group_another_transaction_holds_is_skipped_then_deleted(
    settings, django_capture_on_commit_callbacks
):
    # given: the invoice row locked by another worker's open transaction
    settings.FISCAL_YEAR_END_MONTH = 3
    paid = _paid_invoice(django_capture_on_commit_callbacks)
    locked, release = threading.Event(), threading.Event()

    def holder() -> None:
        try:
            with transaction.atomic():
                Invoice.objects.select_for_update().get(pk=paid.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(timeout=30)

    # when: the job runs meanwhile
    with time_machine.travel(DAY, tick=False):
        while_held = invoices_retention_delete_due()
    release.set()
    thread.join(timeout=30)
    with time_machine.travel(DAY, tick=False):
        after = invoices_retention_delete_due()

    # then: skipped without waiting, deleted once free
    assert (while_held, after) == (0, 1)
    assert not Invoice.objects.filter(pk=paid.pk).exists()
    assert AuditEvent.objects.filter(action="invoice.retention_deleted").count() == 1


def test_two_workers_racing_delete_a_group_once(settings, django_capture_on_commit_callbacks):
    settings.FISCAL_YEAR_END_MONTH = 3
    paid = _paid_invoice(django_capture_on_commit_callbacks)
    start = threading.Barrier(2)
    results: list[int] = []

    def worker() -> None:
        try:
            start.wait(timeout=30)
            results.append(invoices_retention_delete_due())
        finally:
            connection.close()

    with time_machine.travel(DAY, tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sorted(results) == [0, 1]
    assert not Invoice.objects.filter(pk=paid.pk).exists()
    assert AuditEvent.objects.filter(action="invoice.retention_deleted").count() == 1
