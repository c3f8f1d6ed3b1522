"""The resilient task worker's parts, in-process: back-off, heartbeats, orphaned tasks, maintenance,
readiness checks, the pool setting, and what a task the database failed under becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult, get_date_max

from calsreg.jobs import services
from calsreg.jobs.health import queue_age_check, workers_check
from calsreg.jobs.models import WorkerHeartbeat
from calsreg.jobs.selectors import queue_oldest_due_age_seconds, workers_alive, workers_silent
from calsreg.jobs.services import (
    WorkerIdentity,
    tasks_orphaned_requeue,
    worker_heartbeat_beat,
    worker_heartbeat_remove,
    worker_maintenance_run,
)
from calsreg.jobs.supervisor import pool_parse, restart_delay
from calsreg.jobs.worker import ResilientWorker, backoff_delay
from tests.jobs import tasks as test_tasks

T0 = datetime(2031, 5, 12, 1, 0, tzinfo=UTC)


def identity(worker_id: str = "host-1-abc", *, started_at: datetime = T0) -> WorkerIdentity:
    return WorkerIdentity(
        worker_id=worker_id, hostname="host", pid=1234, queues="default", started_at=started_at
    )


def running_row(*, worker_id: str, started_at: datetime, path: str = "tests.jobs.tasks.nap") -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [0], "kwargs": {}},
        task_path=path,
        backend_name="default",
        run_after=get_date_max(),
        started_at=started_at,
        worker_ids=[worker_id],
    )


def failing_entry() -> int:
    raise RuntimeError("this maintenance entry is broken")


def working_entry() -> int:
    return 3


# --- back-off ---------------------------------------------------------------------------------


def test_backoff_doubles_from_half_a_second_up_to_30_seconds():
    # when
    ceilings = [backoff_delay(attempt, rand=lambda: 1.0) for attempt in range(9)]
    # then
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_backoff_jitter_keeps_at_least_half_of_the_delay():
    # when
    floors = [backoff_delay(attempt, rand=lambda: 0.0) for attempt in (0, 3, 20)]
    # then
    assert floors == [0.25, 2.0, 15.0]


def test_supervisor_restart_delay_doubles_from_1_to_30_seconds():
    assert [restart_delay(n) for n in range(1, 9)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_worker_pool_setting_is_one_worker_per_semicolon_item():
    assert pool_parse(" default ; mail, outbound;;*", known_queues=("default", "mail", "outbound")) == [
        "default",
        "mail,outbound",
        "*",
    ]


def test_worker_pool_setting_refuses_an_unknown_queue():
    with pytest.raises(ValueError, match="unknown queue"):
        pool_parse("default;mails", known_queues=("default", "mail", "outbound"))


def test_tasks_go_to_their_queues():
    from calsreg.events.tasks import send_webhooks
    from calsreg.jobs.tasks import daily_jobs
    from calsreg.notifications.tasks import send_delivery
    from calsreg.sso.tasks import backchannel_logout_for_event, send_logout

    assert [
        t.queue_name for t in (send_delivery, send_webhooks, send_logout, backchannel_logout_for_event)
    ] == [
        "mail",
        "outbound",
        "outbound",
        "outbound",
    ]
    assert daily_jobs.queue_name == "default"


@pytest.mark.django_db
def test_a_retried_mail_stays_on_the_mail_queue():
    # given: a retry is enqueued through .using(run_after=…), as delivery_send does
    from calsreg.notifications.tasks import send_delivery

    # when
    result = send_delivery.using(run_after=T0).enqueue(1)
    # then
    assert DBTaskResult.objects.get(pk=result.id).queue_name == "mail"


# --- heartbeat --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_heartbeat_is_one_row_per_worker_updated_in_place():
    # given
    with time_machine.travel(T0, tick=False):
        worker_heartbeat_beat(worker=identity(), current_task_id=None, tasks_done=0)
    # when
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        worker_heartbeat_beat(worker=identity(), current_task_id="task-7", tasks_done=4)
    # then
    row = WorkerHeartbeat.objects.get()
    assert (row.worker_id, row.hostname, row.pid, row.queues) == ("host-1-abc", "host", 1234, "default")
    assert (row.started_at, row.beat_at, row.current_task_id, row.tasks_done) == (
        T0,
        T0 + timedelta(seconds=10),
        "task-7",
        4,
    )


@pytest.mark.django_db
def test_a_worker_exiting_cleanly_removes_only_its_own_heartbeat():
    # given
    worker_heartbeat_beat(worker=identity("a"), current_task_id=None, tasks_done=0)
    worker_heartbeat_beat(worker=identity("b"), current_task_id=None, tasks_done=0)
    # when
    removed = worker_heartbeat_remove(worker_id="a")
    # then
    assert removed == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["b"]


@pytest.mark.django_db
def test_selectors_split_workers_into_alive_and_silent():
    # given
    with time_machine.travel(T0, tick=False):
        worker_heartbeat_beat(worker=identity("old"), current_task_id=None, tasks_done=0)
    with time_machine.travel(T0 + timedelta(seconds=50), tick=False):
        worker_heartbeat_beat(worker=identity("new"), current_task_id=None, tasks_done=0)
    # when
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        alive = list(workers_alive(within_seconds=60).values_list("worker_id", flat=True))
        silent = list(workers_silent(for_seconds=60).values_list("worker_id", flat=True))
    # then
    assert (alive, silent) == (["new"], ["old"])


# --- orphaned tasks ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_orphan_requeue_puts_back_only_tasks_of_workers_silent_past_the_lease(settings):
    # given: a dead worker (last beat 3 minutes ago), a live one, and one without a heartbeat row
    settings.WORKER_LEASE_SECONDS = 120
    with time_machine.travel(T0, tick=False):
        worker_heartbeat_beat(worker=identity("dead"), current_task_id=None, tasks_done=0)
    started = T0 - timedelta(minutes=10)
    orphan = running_row(worker_id="dead", started_at=started)
    live_task = running_row(worker_id="live", started_at=started)
    gone = running_row(worker_id="never-beat", started_at=started)
    just_started = running_row(worker_id="never-beat-2", started_at=T0 + timedelta(minutes=2, seconds=30))
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        worker_heartbeat_beat(worker=identity("live"), current_task_id=str(live_task.pk), tasks_done=0)
        # when
        requeued = tasks_orphaned_requeue()
        again = tasks_orphaned_requeue()
    # then
    assert (requeued, again) == (2, 0)
    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert (statuses[orphan.pk], statuses[gone.pk], statuses[live_task.pk], statuses[just_started.pk]) == (
        "READY",
        "READY",
        "RUNNING",
        "RUNNING",
    )
    assert DBTaskResult.objects.count() == 4


@pytest.mark.django_db
def test_orphan_requeue_leaves_a_task_claimed_again_meanwhile(settings):
    # given: another caller saw the row, then a worker claimed it again (new start time)
    settings.WORKER_LEASE_SECONDS = 120
    row = running_row(worker_id="dead", started_at=T0)
    # when
    put_back = services.task_running_requeue(task_id=str(row.pk), started_at=T0 - timedelta(seconds=1))
    # then
    assert put_back == 0
    assert DBTaskResult.objects.get(pk=row.pk).status == "RUNNING"


# --- maintenance ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_maintenance_entry_does_not_stop_the_others(monkeypatch):
    # given
    monkeypatch.setattr(
        services,
        "WORKER_MAINTENANCE",
        (("broken", f"{__name__}.failing_entry"), ("fine", f"{__name__}.working_entry")),
    )
    # when
    outcomes = worker_maintenance_run()
    # then
    assert [(o.name, o.handled, o.error) for o in outcomes] == [
        ("broken", None, "RuntimeError: this maintenance entry is broken"),
        ("fine", 3, ""),
    ]


@pytest.mark.django_db
def test_maintenance_queues_the_daily_run_once():
    # when
    with time_machine.travel(T0, tick=False):
        first = worker_maintenance_run()
        second = worker_maintenance_run()
    # then
    assert {o.name: o.handled for o in first}["daily_run_scheduled"] == 1
    assert {o.name: o.handled for o in second}["daily_run_scheduled"] == 0
    assert [o.error for o in first + second] == [""] * len(first + second)
    assert DBTaskResult.objects.filter(task_path="calsreg.jobs.tasks.daily_jobs", status="READY").count() == 1


# --- readiness checks -------------------------------------------------------------------------


@pytest.mark.django_db
def test_workers_check_is_red_without_any_heartbeat():
    result = workers_check()
    assert (result.name, result.ok, result.value) == ("workers", False, 0.0)


@pytest.mark.django_db
def test_workers_check_is_green_with_a_recent_beat_and_names_the_silent_ones(settings):
    # given
    settings.READY_WORKER_SILENT_SECONDS = 60
    with time_machine.travel(T0, tick=False):
        worker_heartbeat_beat(worker=identity("stale-1"), current_task_id=None, tasks_done=0)
    with time_machine.travel(T0 + timedelta(seconds=100), tick=False):
        worker_heartbeat_beat(worker=identity("fresh-1"), current_task_id=None, tasks_done=0)
        # when
        result = workers_check()
    # then
    assert (result.ok, result.value) == (True, 1.0)
    assert result.detail == "1 worker(s) alive within 60 s; silent: stale-1"


@pytest.mark.django_db
def test_workers_check_goes_red_when_the_only_worker_falls_silent(settings):
    settings.READY_WORKER_SILENT_SECONDS = 60
    with time_machine.travel(T0, tick=False):
        worker_heartbeat_beat(worker=identity("w"), current_task_id=None, tasks_done=0)
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        result = workers_check()
    assert (result.ok, result.detail) == (False, "0 worker(s) alive within 60 s; silent: w")


@pytest.mark.django_db
def test_queue_age_counts_from_enqueue_or_from_run_after(settings):
    # given: a mail enqueued at T0, an outbound retry due at T0+10 min, a default task not yet due
    from calsreg.events.tasks import send_webhooks
    from calsreg.notifications.tasks import send_delivery

    with time_machine.travel(T0, tick=False):
        send_delivery.enqueue(1)
        send_webhooks.using(run_after=T0 + timedelta(minutes=10)).enqueue(1)
        test_tasks.nap.using(run_after=T0 + timedelta(hours=1)).enqueue(0)
    # when
    with time_machine.travel(T0 + timedelta(minutes=16), tick=False):
        ages = queue_oldest_due_age_seconds()
        result = queue_age_check()
    # then
    assert ages == {"mail": 960.0, "outbound": 360.0}
    assert (result.name, result.ok, result.value) == ("task_queue_age", False, 960.0)
    assert result.detail == "older than 15 min: mail 16.0 min"


@pytest.mark.django_db
def test_queue_age_check_is_green_when_nothing_waits_long():
    with time_machine.travel(T0, tick=False):
        test_tasks.nap.enqueue(0)
    with time_machine.travel(T0 + timedelta(minutes=14), tick=False):
        result = queue_age_check()
    assert (result.ok, result.value) == (True, 840.0)


# --- a task the database failed under ---------------------------------------------------------


def claimed(result_id: str, worker: ResilientWorker) -> DBTaskResult:
    row = DBTaskResult.objects.get(pk=result_id)
    row.claim(worker.worker_id)
    return row


# transaction=True: the worker closes the connection the database failed under, which would end
# the test's own transaction on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_a_task_that_lost_the_database_runs_again_instead_of_failing():
    # given
    worker = ResilientWorker(queue_names=["*"], interval=0.1, worker_id="w-1")
    row = claimed(test_tasks.database_gone.enqueue().id, worker)
    # when
    worker.run_task(row)
    # then
    row.refresh_from_db()
    assert (row.status, row.worker_ids, row.finished_at) == ("READY", ["w-1"], None)
    assert worker.current_task_id is None


@pytest.mark.django_db(transaction=True)
def test_a_task_that_raises_its_own_error_is_recorded_failed():
    worker = ResilientWorker(queue_names=["*"], interval=0.1, worker_id="w-1")
    row = claimed(test_tasks.plain_failure.enqueue().id, worker)
    worker.run_task(row)
    row.refresh_from_db()
    assert (row.status, row.exception_class_path) == ("FAILED", "builtins.ValueError")


@pytest.mark.django_db(transaction=True)
def test_a_task_failing_on_the_database_every_time_fails_after_ten_runs():
    worker = ResilientWorker(queue_names=["*"], interval=0.1, worker_id="w-10")
    row = DBTaskResult.objects.get(pk=test_tasks.database_gone.enqueue().id)
    DBTaskResult.objects.filter(pk=row.pk).update(worker_ids=[f"w-{n}" for n in range(1, 10)])
    row = claimed(str(row.pk), worker)
    worker.run_task(row)
    row.refresh_from_db()
    assert (row.status, len(row.worker_ids)) == ("FAILED", 10)
