"""Large payment files: accepted after full validation, then inserted and matched by the worker in
committed batches with progress; resumed after a kill, never inserting or allocating twice."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.billing.models import (
    Invoice,
    MatchRule,
    Payment,
    PaymentAllocation,
    PaymentImport,
    PaymentImportStatus,
    PaymentStatus,
)
from calsreg.billing.services.payment_imports import payment_import_queued_execute, payment_imports_recover
from calsreg.billing.services.payments import imports as payments_module
from calsreg.billing.services.payments import payments_import_csv
from calsreg.billing.zengin import CsvFileRefused
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.billing.test_payments_import import CSV_HEADER, ECHIGO, SATO, make_invoice
from tests.factories import UserFactory

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def _in_december_2026():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent():
    return Actor.staff(UserFactory(role="billing_agent"))


@pytest.fixture
def small_batches(settings):
    settings.PAYMENT_IMPORT_INLINE_ROWS = 2
    settings.PAYMENT_MATCH_BATCH = 2


def statement(echigo_code: str, *, unmatched: int = 3, tag: str = "") -> bytes:
    """A CSV: one transfer naming 越後建設's customer code, one by 佐藤工務店's name and amount, and
    ``unmatched`` transfers nobody owes (listed first, so matching runs across batches)."""
    lines = [f"2026-11-30,{1000 + i},ヤマダ タロウ{tag},,U-{i}\r\n" for i in range(unmatched)]
    lines += [
        f"2026-11-30,44000,ｴﾁｺﾞｹﾝｾﾂ(ｶ,{echigo_code},A-1\r\n",
        "2026-11-30,33000,カ）サトウ　コウムテン,,A-2\r\n",
    ]
    return (CSV_HEADER + "".join(lines)).encode()


def outcome() -> list[tuple[int | None, str, list[tuple[str | None, int, str]]]]:
    return [
        (p.line, p.status, [(a.invoice.number, a.amount, a.rule) for a in p.allocations.all()])
        for p in Payment.objects.order_by("line").prefetch_related("allocations__invoice")
    ]


@pytest.mark.django_db
def test_a_large_file_is_queued_and_the_worker_imports_it_in_batches_as_inline(agent, small_batches):
    # Given: two invoices, and a five-transfer file over the inline limit of two
    echigo = make_invoice(total=44_000, company=ECHIGO)
    sato = make_invoice(total=33_000, company=SATO)

    # When: the agent uploads it
    result = payments_import_csv(content=statement(echigo.customer_code), filename="s.csv", actor=agent)

    # Then: it is validated, recorded queued with its evidence and a task; no payment yet
    queued = result.payment_import
    assert (queued.status, queued.total, queued.inserted, queued.done) == ("queued", 5, 0, 0)
    assert (Payment.objects.count(), Evidence.objects.count(), DBTaskResult.objects.count()) == (0, 1, 1)
    assert (
        result.message
        == "「s.csv」（5件）を受け付けました。取込と消込を順に進めています。進み具合はこの画面で確認できます。"
    )

    # When: the worker runs it
    done = payment_import_queued_execute(import_id=queued.pk)

    # Then: every transfer is in, matched as an inline import would, counted and audited once
    assert (done.status, done.inserted, done.done, done.payment_count, done.duplicate_count) == (
        "finished",
        5,
        5,
        5,
        0,
    )
    assert (done.matched_count, done.partially_matched_count, done.unmatched_count) == (2, 0, 3)
    assert outcome() == [
        (2, "unmatched", []),
        (3, "unmatched", []),
        (4, "unmatched", []),
        (5, "matched", [(echigo.number, 44_000, MatchRule.CODE)]),
        (6, "matched", [(sato.number, 33_000, MatchRule.AMOUNT_NAME)]),
    ]
    assert AuditEvent.objects.filter(action="payment_import.imported").count() == 1


@pytest.mark.django_db
def test_a_file_with_a_bad_row_is_refused_whole_before_anything_is_queued(agent, small_batches):
    content = statement("C00000001") + b"2026-11-31,100,X,,Z\r\n"

    with pytest.raises(CsvFileRefused):
        payments_import_csv(content=content, filename="bad.csv", actor=agent)

    assert (PaymentImport.objects.count(), Evidence.objects.count(), DBTaskResult.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.django_db
def test_an_import_killed_midway_is_recovered_after_its_lease_and_nothing_happens_twice(
    agent, small_batches, monkeypatch
):
    # Given: a queued import whose runner loses the database in its second matching batch
    echigo = make_invoice(total=44_000, company=ECHIGO)
    sato = make_invoice(total=33_000, company=SATO)
    queued = payments_import_csv(content=statement(echigo.customer_code), filename="s.csv", actor=agent)
    real, calls = payments_module._match_locked, []

    def dies_second_time(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(payments_module, "_match_locked", dies_second_time)
    with pytest.raises(OperationalError):
        payment_import_queued_execute(import_id=queued.payment_import.pk)
    stuck = PaymentImport.objects.get()
    assert (stuck.status, stuck.inserted, stuck.done, Payment.objects.count()) == ("running", 5, 2, 5)
    monkeypatch.setattr(payments_module, "_match_locked", real)

    # When: the maintenance runs within the lease, then after it, and the worker runs the task again
    assert payment_imports_recover() == 0
    with time_machine.travel(NOW + timedelta(seconds=301), tick=False):
        assert payment_imports_recover() == 1
        assert PaymentImport.objects.get().status == "queued"
        done = payment_import_queued_execute(import_id=stuck.pk)

    # Then: it continued from the committed batch: five payments, one allocation per invoice
    assert (done.status, done.done, done.matched_count, done.unmatched_count) == ("finished", 5, 2, 3)
    assert Payment.objects.count() == 5
    assert sorted(PaymentAllocation.objects.values_list("invoice__number", "amount")) == sorted(
        [(echigo.number, 44_000), (sato.number, 33_000)]
    )
    assert AuditEvent.objects.filter(action="payment_import.imported").count() == 1


@pytest.mark.django_db
def test_a_running_import_with_a_fresh_heartbeat_is_left_to_its_runner(agent, small_batches):
    queued = payments_import_csv(content=statement("C00000001"), filename="s.csv", actor=agent)
    PaymentImport.objects.filter(pk=queued.payment_import.pk).update(status=PaymentImportStatus.RUNNING)

    with time_machine.travel(NOW + timedelta(seconds=299), tick=False):
        assert payment_imports_recover() == 0
        again = payment_import_queued_execute(import_id=queued.payment_import.pk)

    assert (again.status, again.inserted, Payment.objects.count(), DBTaskResult.objects.count()) == (
        "running",
        0,
        0,
        1,
    )


@pytest.mark.django_db
def test_the_queries_per_batch_do_not_grow_with_the_batch_size(agent, settings):
    # Given: two files of transfers nobody owes, one twice as long, each cut into two batches
    settings.PAYMENT_IMPORT_INLINE_ROWS = 1
    make_invoice(total=44_000, company=ECHIGO)

    def queries_for(rows: int, tag: str) -> int:
        settings.PAYMENT_MATCH_BATCH = rows // 2
        content = (
            CSV_HEADER + "".join(f"2026-11-30,{1000 + i},ヤマダ{tag},,\r\n" for i in range(rows))
        ).encode()
        queued = payments_import_csv(content=content, filename=f"{tag}.csv", actor=agent).payment_import
        with CaptureQueriesContext(connection) as captured:
            assert payment_import_queued_execute(import_id=queued.pk).status == "finished"
        return len(captured.captured_queries)

    # Then: the same number of queries for 2 × 10 and 2 × 40 transfers
    assert queries_for(20, "ア") == queries_for(80, "イ")
    assert Payment.objects.filter(status=PaymentStatus.UNMATCHED).count() == 100


@pytest.mark.django_db
def test_the_desk_shows_a_queued_import_with_progress_then_its_results(client, small_batches):
    # Given: the billing agent uploads a file over the inline limit
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    echigo = make_invoice(total=44_000, company=ECHIGO)
    upload = SimpleUploadedFile("s.csv", statement(echigo.customer_code), content_type="text/csv")

    response = client.post(reverse("desk:billing_payment_import"), {"kind": "csv", "file": upload})

    # Then: the import's page shows its progress, polled by htmx, and the list its status
    payment_import = PaymentImport.objects.get()
    detail = reverse("desk:billing_payment_import_detail", args=[payment_import.pk])
    assert (response.status_code, response["Location"]) == (302, detail)
    page = client.get(detail).content.decode()
    assert f'hx-get="{detail}" hx-trigger="every 2s"' in page
    assert '<progress id="import-progress-bar" max="5" value="0"' in page
    assert "待機中：5 件の取込を待っています。" in page
    assert "待機中（0 / 10）" in client.get(reverse("desk:billing_payment_imports")).content.decode()

    # When: the worker has inserted everything and matched one batch
    PaymentImport.objects.filter(pk=payment_import.pk).update(
        status="running", inserted=5, done=2, payment_count=5
    )
    partial = client.get(detail, headers={"HX-Request": "true"}).content.decode()
    assert "消込中：2 / 5 件" in partial and 'value="2"' in partial

    # When: it has finished
    PaymentImport.objects.filter(pk=payment_import.pk).update(status="queued", inserted=0, done=0)
    payment_import_queued_execute(import_id=payment_import.pk)
    partial = client.get(detail, headers={"HX-Request": "true"}).content.decode()
    page = client.get(detail).content.decode()

    # Then: the polling stops and the page shows the results
    assert "hx-trigger" not in partial and "結果を表示" in partial
    assert 'id="import-progress"' not in page
    assert "消込済み 1件、一部消込 0件、未消込 4件、取込済みのため除外 0件" in page


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across connections")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("trial", range(5))
def test_overlapping_imports_paying_invoices_in_opposite_orders_both_finish(agent, settings, trial):
    # Given: six invoices; two files, each paying all six by customer code, in opposite orders, so
    # each import would lock them in the other's reverse order if it locked in payment order
    settings.PAYMENT_IMPORT_INLINE_ROWS = 1
    settings.PAYMENT_MATCH_BATCH = 3
    invoices = [make_invoice(total=10_000, company=ECHIGO) for _ in range(6)]

    def file(order: list, tag: str) -> bytes:
        rows = [f"2026-11-30,6000,ｴﾁｺﾞｹﾝｾﾂ(ｶ,{i.number},{tag}{n}\r\n" for n, i in enumerate(order)]
        return (CSV_HEADER + "".join(rows)).encode()

    imports = [
        payments_import_csv(content=file(order, tag), filename=f"{tag}.csv", actor=agent).payment_import
        for order, tag in ((invoices, "F"), (invoices[::-1], "R"))
    ]
    barrier, errors = threading.Barrier(2), []

    def run(import_id: int) -> None:
        try:
            barrier.wait()
            with time_machine.travel(NOW, tick=False):
                payment_import_queued_execute(import_id=import_id)
        except Exception as exc:  # the test reports any error
            errors.append(exc)
        finally:
            connections.close_all()

    # When: both run at the same time
    threads = [threading.Thread(target=run, args=(i.pk,)) for i in imports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # Then: both finished, no deadlock; each invoice's allocations sum to what it is paid, none twice
    assert errors == []
    assert sorted(PaymentImport.objects.values_list("status", flat=True)) == ["finished", "finished"]
    for invoice in invoices:
        allocations = list(
            PaymentAllocation.objects.filter(invoice=invoice).values_list("payment_id", "amount")
        )
        assert (
            sum(amount for _, amount in allocations)
            == Invoice.objects.with_amount_paid().get(pk=invoice.pk).amount_paid
        )
        assert sum(amount for _, amount in allocations) <= 10_000
        assert len({payment for payment, _ in allocations}) == len(allocations)
    assert PaymentAllocation.objects.aggregate(total=Sum("amount"))["total"] == 60_000
