"""Billing runs cannot get stuck (issue 12 item 3): one run per month, held by a lease.

A run whose process died (kill -9, a database restart) stays in progress only until its lease
expires: the workers' maintenance (``billing_runs_recover``) queues it again and a worker resumes
it over the drafts still due; its bundle and mailing list cover exactly the invoices it issued. A
run resumed too often, a full disk on its files, an unexpected error or Ctrl-C in the command end it
``failed`` with the error kept, and its month can be run again.
"""

from __future__ import annotations

import errno
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.billing.models import BillingRun, BillingRunStatus, Invoice, InvoiceStatus
from calsreg.billing.services import billing_run, billing_run_enqueue
from calsreg.billing.services import runs as runs_module
from calsreg.billing.services.runs import billing_run_queued_execute, billing_runs_recover
from calsreg.core import files
from calsreg.core.errors import Conflict
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.billing.invoice_helpers import configured, drafted, jst
from tests.billing.run_helpers import bundle_numbers, mailing_numbers
from tests.desk.helpers import preview_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("test")
MONTH = date(2026, 12, 1)
START = jst(2026, 12, 1, 9)
LEASE = timedelta(seconds=300)


class Killed(BaseException):
    """Stands for SIGKILL in-process: no handler of the run's catches it, nothing is cleaned up."""


@pytest.fixture(autouse=True)
def _on_the_first_of_december_2026():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _drafts(count: int) -> list[Invoice]:
    configured()
    return [drafted(started_at=jst(2026, 11, 2 + n)) for n in range(count)]


def _killed_after(count: int) -> BillingRun:
    """A command run killed after ``count`` invoices: left running with its last heartbeat."""

    def progress(done: int, total: int) -> None:
        if done == count:
            raise Killed

    with pytest.raises(Killed):
        billing_run(run_month=MONTH, actor=ACTOR, progress=progress)
    return BillingRun.objects.get()


def _state() -> dict[str, object]:
    return {
        "runs": sorted(BillingRun.objects.values_list("pk", "status", "run_month")),
        "tasks": DBTaskResult.objects.count(),
        "audit": AuditEvent.objects.count(),
        "invoices": sorted(Invoice.objects.values_list("pk", "status", "number")),
    }


def _files_under(folder: str) -> list[Path]:
    """The files (not folders: writing makes the month's folder first) kept under ``folder``."""
    return [path for path in Path(default_storage.path(folder)).rglob("*") if path.is_file()]


def _full_disk_for(prefix: str, monkeypatch) -> None:
    """The file system refuses every write under the media folder's ``prefix`` as full."""
    original = files._write_synced

    def write(path, content):
        if f"/{prefix}" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(path, content)

    monkeypatch.setattr(files, "_write_synced", write)


def test_the_database_refuses_a_second_run_of_a_month_in_progress():
    # given
    BillingRun.objects.create(run_month=MONTH, status=BillingRunStatus.FINISHED, started_at=START)
    BillingRun.objects.create(run_month=MONTH, status=BillingRunStatus.RUNNING, started_at=START)
    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingRun.objects.create(run_month=MONTH, status=BillingRunStatus.QUEUED, started_at=START)
    assert BillingRun.objects.count() == 2


def test_a_run_inserted_past_the_busy_check_is_refused_by_the_constraint_with_the_conflict(monkeypatch):
    # given: the first run of the month is queued; the second click's busy check runs before it
    # committed (the race on PostgreSQL), which this skips
    _drafts(1)
    first = billing_run_enqueue(run_month=MONTH, actor=ACTOR)
    before = _state()
    real_check = runs_module.run_busy_check
    monkeypatch.setattr(
        runs_module,
        "run_busy_check",
        lambda *, run_month, lock: None if lock else real_check(run_month=run_month, lock=lock),
    )
    # when
    with pytest.raises(Conflict) as refused:
        billing_run_enqueue(run_month=MONTH, actor=ACTOR)
    # then: the friendly message naming the run in progress, and nothing written
    assert (
        refused.value.message
        == "2026-12分の請求処理はすでに待機中です（0 / 1 件）。終わるまでお待ちください。"
    )
    assert _state() == before
    assert BillingRun.objects.get().pk == first.pk


def test_the_desk_refuses_a_second_run_of_a_month_in_progress_and_writes_nothing(client):
    # given
    _drafts(2)
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    url = reverse("desk:billing_run_start")
    token = preview_token(client.post(url, {"run_month": "2026-12"}))
    client.post(url, {"run_month": "2026-12", "confirmed": "1", "preview": token})
    before = _state()
    # when: the second click, with the same confirmed preview
    response = client.post(url, {"run_month": "2026-12", "confirmed": "1", "preview": token}, follow=True)
    # then
    assert "2026-12分の請求処理はすでに待機中です（0 / 2 件）。終わるまでお待ちください。" in [
        str(message) for message in response.context["messages"]
    ]
    assert _state() == before


def test_a_run_silent_for_exactly_the_lease_is_left_alone_and_one_second_more_is_resumed(
    _on_the_first_of_december_2026,
):
    # given: a run killed after 2 of 4 invoices, its last heartbeat now
    _drafts(4)
    run = _killed_after(2)
    assert (run.status, run.heartbeat_at, run.resumes) == (BillingRunStatus.RUNNING, START, 0)
    tasks = DBTaskResult.objects.count()
    # when: exactly the lease later
    _on_the_first_of_december_2026.shift(LEASE)
    handled_at_lease = billing_runs_recover()
    # then
    run.refresh_from_db()
    assert (handled_at_lease, run.status, DBTaskResult.objects.count()) == (
        0,
        BillingRunStatus.RUNNING,
        tasks,
    )
    # when: one second past it
    _on_the_first_of_december_2026.shift(timedelta(seconds=1))
    handled = billing_runs_recover()
    again = billing_runs_recover()  # another worker's maintenance right after: nothing more
    # then: queued again (再開待ち), once, with its task
    run.refresh_from_db()
    assert (handled, again) == (1, 0)
    assert (run.status, run.resumes, run.awaiting_resume) == (BillingRunStatus.QUEUED, 1, True)
    assert DBTaskResult.objects.count() == tasks + 1


def test_a_killed_run_is_resumed_and_its_files_cover_every_invoice_it_issued(_on_the_first_of_december_2026):
    # given: 5 drafts; the run was killed after 3, and had half written its bundle at its name
    _drafts(5)
    run = _killed_after(3)
    assert Invoice.objects.filter(status=InvoiceStatus.ISSUED).count() == 3
    leftover = run.bundle_pdf.field.generate_filename(run, f"invoices-2026-12-run{run.pk}.pdf")
    run.bundle_pdf.storage.save(leftover, ContentFile(b"%PDF-1.7 trunc"))
    _on_the_first_of_december_2026.shift(LEASE + timedelta(seconds=1))
    # when: the maintenance resumes it and a worker runs it
    billing_runs_recover()
    run = billing_run_queued_execute(run_id=run.pk)
    # then: finished, every invoice issued once, numbers gap-free, the files cover all five
    issued = list(Invoice.objects.filter(billing_run=run).order_by("number").values_list("number", flat=True))
    assert (run.status, run.total, run.done, run.issued_count, run.resumes) == (
        BillingRunStatus.FINISHED,
        5,
        5,
        5,
        1,
    )
    assert issued == [f"2026-00000{n}" for n in range(1, 6)]
    assert Invoice.objects.filter(status=InvoiceStatus.DRAFT).count() == 0
    assert bundle_numbers(run) == issued
    assert mailing_numbers(run) == issued
    assert run.bundle_pdf.name == leftover  # the half-written file was replaced, not kept beside
    assert run.error == ""


def test_a_run_resumed_too_often_ends_failed_and_its_month_can_be_run_again(_on_the_first_of_december_2026):
    # given: a run killed after 1 of 3 invoices, already resumed the maximum number of times
    _drafts(3)
    run = _killed_after(1)
    BillingRun.objects.filter(pk=run.pk).update(resumes=3)
    _on_the_first_of_december_2026.shift(LEASE + timedelta(seconds=1))
    tasks = DBTaskResult.objects.count()
    # when
    handled = billing_runs_recover()
    # then: failed with the reason kept, nothing queued
    run.refresh_from_db()
    assert (handled, run.status, DBTaskResult.objects.count()) == (1, BillingRunStatus.FAILED, tasks)
    assert run.error.startswith("処理が3回中断されたため、失敗として終了しました。")
    assert AuditEvent.objects.filter(action="billing_run.failed", subject_id=str(run.pk)).count() == 1
    # and the month is free: the next run issues the two drafts still due
    again = billing_run(run_month=MONTH, actor=ACTOR)
    assert (again.status, again.issued_count) == (BillingRunStatus.FINISHED, 2)


def test_a_full_disk_on_the_bundle_ends_the_run_failed_and_the_month_can_be_run_again(monkeypatch):
    # given
    _drafts(2)
    run = billing_run_enqueue(run_month=MONTH, actor=ACTOR)
    _full_disk_for("billing-runs/", monkeypatch)
    # when
    run = billing_run_queued_execute(run_id=run.pk)
    # then: the invoices are issued (their own PDFs were written), the run failed with the error
    assert run.status == BillingRunStatus.FAILED
    assert run.error.startswith("ディスクの空きがないため、ファイルを保存できませんでした")
    assert (run.issued_count, run.bundle_pdf.name, run.mailing_csv.name) == (2, "", "")
    assert _files_under("billing-runs") == []
    # and the month is free again
    monkeypatch.undo()
    second = billing_run_enqueue(run_month=MONTH, actor=ACTOR)
    assert second.status == BillingRunStatus.QUEUED


def test_a_full_disk_on_an_invoice_pdf_leaves_it_a_draft_counted_as_failed(monkeypatch):
    # given
    _drafts(2)
    _full_disk_for("invoices/", monkeypatch)
    # when
    run = billing_run(run_month=MONTH, actor=ACTOR)
    # then: no invoice issued, no number taken, both errors kept
    assert (run.status, run.done, run.issued_count) == (BillingRunStatus.FAILED, 2, 0)
    assert list(Invoice.objects.values_list("status", "number")) == [(InvoiceStatus.DRAFT, None)] * 2
    assert run.error.count("ディスクの空きがないため") == 2


def test_the_command_ends_the_run_failed_on_an_unexpected_error_and_says_so(monkeypatch):
    # given
    _drafts(2)

    def broken(*, run):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(runs_module, "_run_files_write", broken)
    # when
    with pytest.raises(CommandError) as stopped:
        call_command("billing_run", "--month", "2026-12")
    # then
    assert str(stopped.value).startswith(
        "請求処理が予期しないエラーで止まりました（RuntimeError: renderer crashed）。"
    )
    run = BillingRun.objects.get()
    assert (run.status, run.error, run.issued_count) == (
        BillingRunStatus.FAILED,
        "RuntimeError: renderer crashed",
        2,
    )
    assert not run.in_progress


def test_ctrl_c_in_the_command_ends_the_run_failed_as_interrupted(monkeypatch):
    # given
    _drafts(2)

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs_module, "_issue_batch", interrupted)
    # when
    with pytest.raises(CommandError) as stopped:
        call_command("billing_run", "--month", "2026-12")
    # then
    assert str(stopped.value).startswith("請求処理を中断しました。")
    run = BillingRun.objects.get()
    assert (run.status, run.error, run.done) == (BillingRunStatus.FAILED, "中断されました（Ctrl-C）。", 0)


def _run_page(client, run: BillingRun, **headers) -> str:
    client.force_login(UserFactory(role=Role.BILLING_AGENT))
    return client.get(reverse("desk:billing_run_detail", args=[run.pk]), **headers).content.decode()


def test_the_run_page_shows_a_killed_run_as_awaiting_resume_and_keeps_polling(
    client, _on_the_first_of_december_2026
):
    # given: a run killed after 1 of 3 invoices
    _drafts(3)
    run = _killed_after(1)
    fresh = _run_page(client, run, HTTP_HX_REQUEST="true")
    # when: past its lease, before and after the maintenance queued it again
    _on_the_first_of_december_2026.shift(LEASE + timedelta(seconds=1))
    silent = _run_page(client, run, HTTP_HX_REQUEST="true")
    billing_runs_recover()
    requeued = _run_page(client, run)
    # then
    assert 'id="run-awaiting-resume"' not in fresh
    for page in (silent, requeued):
        assert 'id="run-awaiting-resume"' in page
        assert "最終応答 2026年12月1日" in page
        assert 'hx-trigger="every 2s"' in page
        assert 'id="run-failed"' not in page


def test_the_run_page_shows_a_failed_run_with_its_error_and_that_the_month_can_be_run_again(
    client, monkeypatch
):
    # given: a run whose bundle could not be written (a full disk)
    _drafts(1)
    run = billing_run_enqueue(run_month=MONTH, actor=ACTOR)
    _full_disk_for("billing-runs/", monkeypatch)
    billing_run_queued_execute(run_id=run.pk)
    # when
    page = _run_page(client, run)
    # then
    assert 'id="run-failed"' in page
    assert "この月の請求処理をもう一度実行できます" in page
    assert "ディスクの空きがないため、ファイルを保存できませんでした" in page
    assert 'hx-trigger="every 2s"' not in page
