"""Fault tests with real processes on PostgreSQL: the database restarted under a running worker, a
worker killed mid-task, a worker child of ``run_workers`` killed, and readiness following a worker."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from calsreg.jobs.models import WorkerHeartbeat
from tests.jobs import tasks as test_tasks
from tests.plugins.processes import wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real worker processes share PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

FAST = {
    "CALSREG_WORKER_HEARTBEAT_SECONDS": "1",
    "CALSREG_WORKER_MAINTENANCE_SECONDS": "1",
    "CALSREG_WORKER_LEASE_SECONDS": "3",
}


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in DBTaskResult.objects.exclude(task_path="calsreg.jobs.tasks.daily_jobs").values_list(
        "status", flat=True
    ):
        counts[status] = counts.get(status, 0) + 1
    return counts


def postgres_restart() -> None:
    """``pg_ctl restart -m fast`` on the test server, as the user that owns its data directory."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        data_dir = cursor.fetchone()[0]
    connection.close()
    pg_ctl = shutil.which("pg_ctl") or "/usr/lib/postgresql/15/bin/pg_ctl"
    command = [pg_ctl, "restart", "-m", "fast", "-w", "-t", "60", "-s", "-D", data_dir]
    owner = pwd.getpwuid(Path(data_dir).stat().st_uid).pw_name
    if os.getuid() == 0 and owner != "root":
        command = ["runuser", "-u", owner, "--", *command]
    # The restarted server inherits our stdout/stderr: never a pipe we would wait on.
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=90)
    connection.close()  # the test's own connection died with the server


@pytest.mark.slow
def test_a_worker_carries_on_after_the_database_restarts_under_load(spawn):
    # given: a worker busy with 30 tasks
    worker = spawn("run_worker", "--interval", "0.2", "--worker-id", "survivor", env=FAST)
    for _ in range(30):
        test_tasks.nap.enqueue(0.05)
    wait_until(lambda: statuses().get("SUCCESSFUL", 0) >= 5, timeout=60)
    # when: PostgreSQL restarts, then 20 more tasks arrive
    postgres_restart()
    for _ in range(20):
        test_tasks.nap.enqueue(0.05)
    # then: the same process finishes all 50, none failed
    wait_until(lambda: statuses().get("SUCCESSFUL", 0) == 50, timeout=60)
    assert worker.alive(), worker.output()
    assert statuses() == {"SUCCESSFUL": 50}
    assert WorkerHeartbeat.objects.filter(worker_id="survivor", pid=worker.pid).count() == 1
    assert "database unavailable" in worker.output()
    assert "database available again" in worker.output()
    # and SIGTERM stops it cleanly, removing its heartbeat
    assert worker.terminate() == 0
    assert WorkerHeartbeat.objects.filter(worker_id="survivor").count() == 0


@pytest.mark.slow
def test_a_task_of_a_killed_worker_runs_again_on_another_after_the_lease(spawn, tmp_path):
    # given: worker "a" is in the middle of a long task
    log = tmp_path / "runs.log"
    result_id = test_tasks.long_first_run.enqueue(str(log)).id
    first = spawn("run_worker", "--interval", "0.2", "--worker-id", "a", env=FAST)
    wait_until(
        lambda: log.exists() and DBTaskResult.objects.get(pk=result_id).status == "RUNNING", timeout=60
    )
    wait_until(
        lambda: WorkerHeartbeat.objects.filter(worker_id="a", current_task_id=result_id).exists(), timeout=10
    )
    # when: it is killed outright, and worker "b" runs
    first.kill()
    second = spawn("run_worker", "--interval", "0.2", "--worker-id", "b", env=FAST)
    # then: after the lease, "b" runs the task again, once
    wait_until(lambda: DBTaskResult.objects.get(pk=result_id).status == "SUCCESSFUL", timeout=60)
    row = DBTaskResult.objects.get(pk=result_id)
    assert (row.worker_ids, row.return_value) == (["a", "b"], 2)
    assert log.read_text().splitlines() == ["run 1", "run 2"]
    assert statuses() == {"SUCCESSFUL": 1}
    assert "requeued: its worker a is silent" in second.output()


@pytest.mark.slow
def test_run_workers_restarts_a_killed_worker_and_stops_all_on_sigterm(spawn):
    # given: the supervisor with its default pool (one worker for default, one for mail,outbound)
    supervisor = spawn("run_workers", "--interval", "0.2", env=FAST)
    wait_until(lambda: WorkerHeartbeat.objects.count() == 2, timeout=60)
    assert sorted(WorkerHeartbeat.objects.values_list("queues", flat=True)) == ["default", "mail,outbound"]
    victim = WorkerHeartbeat.objects.get(queues="default")
    # when: its "default" worker is killed
    os.kill(victim.pid, signal.SIGKILL)
    # then: a new one starts for the same queue
    replacement = wait_until(
        lambda: WorkerHeartbeat.objects.filter(queues="default").exclude(pid=victim.pid).first(), timeout=30
    )
    assert replacement.worker_id != victim.worker_id
    assert "exited with -9; restarting in 1 s" in supervisor.output()
    # when: the supervisor is asked to stop
    code = supervisor.terminate()
    # then: every child stopped cleanly (removed its row); only the killed worker's stale row is left
    assert code == 0, supervisor.output()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == [victim.worker_id]
    with pytest.raises(ProcessLookupError):
        os.kill(replacement.pid, 0)


@pytest.mark.slow
def test_readiness_follows_the_worker(spawn, client):
    """The readiness endpoint an orchestrator polls: red with no worker, green once one runs, red
    when it stops, green again when it is back."""

    def ready() -> tuple[int, bool]:
        response = client.get("/health/ready")
        workers = next(check for check in response.json()["checks"] if check["name"] == "workers")
        return response.status_code, workers["ok"]

    # given: no worker
    assert ready() == (503, False)
    # when: one starts
    worker = spawn("run_worker", "--interval", "0.2", env=FAST)
    # then
    wait_until(lambda: ready() == (200, True), timeout=60)
    # when: it stops
    assert worker.terminate() == 0
    # then
    assert ready() == (503, False)
    # when: it is back
    spawn("run_worker", "--interval", "0.2", env=FAST)
    # then
    wait_until(lambda: ready() == (200, True), timeout=60)
