"""The task worker: django-tasks-db's worker (its claim logic and loop) made to survive the database.

* A connection error or lock timeout while polling, claiming or recording (the database restarted,
  a network cut, SQLite's "database is locked") closes the broken connections and waits with capped
  exponential back-off plus jitter until a probe succeeds — one warning per outage, one info line when
  the database is back — and the worker carries on. It never exits for that.
* A task that failed because the database went away under it is not recorded as failed: it goes back
  to READY once the database is back (every task is idempotent; see services.tasks_orphaned_requeue).
* A background thread (its own connection) writes the worker's heartbeat row every
  WORKER_HEARTBEAT_SECONDS, also while a long task runs, and runs the WORKER_MAINTENANCE entries at
  start and every WORKER_MAINTENANCE_SECONDS.
* SIGTERM/SIGINT: the current task finishes, the heartbeat row is removed, exit code 0 (a second
  signal aborts the task; it is put back to READY).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from secrets import token_hex
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, TaskContext, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from calsreg.core import clock
from calsreg.jobs.services import (
    WorkerIdentity,
    task_running_requeue,
    worker_heartbeat_beat,
    worker_heartbeat_remove,
    worker_maintenance_run,
)

logger = logging.getLogger(__name__)

# What "the database is not there right now" looks like through Django: a lost or refused connection,
# a server shutting down, "database is locked", a lock or statement timeout.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)

# A task the database failed under runs again, at most this many times in all (its claims).
MAX_RUNS_AFTER_DATABASE_ERRORS = 10

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0


def backoff_delay(
    attempt: int,
    *,
    base: float = BACKOFF_BASE_SECONDS,
    cap: float = BACKOFF_CAP_SECONDS,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): base·2^attempt capped at ``cap``,
    then "equal jitter" (between half and all of it) so restarted workers do not retry in step."""
    ceiling = min(cap, base * (2 ** min(attempt, 32)))
    return ceiling / 2 + rand() * ceiling / 2


def default_worker_id() -> str:
    """hostname-pid-random, at most 64 characters (django-tasks-db's limit)."""
    suffix = f"-{os.getpid()}-{token_hex(3)}"
    return socket.gethostname()[: 64 - len(suffix)] + suffix


def close_connections() -> None:
    """Drop this thread's connections; the next query opens a fresh one. Closing a broken one may fail."""
    for connection in connections.all(initialized_only=True):
        with suppress(Exception):
            connection.close()


def database_probe() -> None:
    """Raise a connection error unless the task database answers a trivial query."""
    with connections[DBTaskResult.objects.db].cursor() as cursor:
        cursor.execute("SELECT 1")


class ResilientWorker(Worker):
    def __init__(self, *, queue_names: list[str], interval: float, worker_id: str) -> None:
        super().__init__(
            queue_names=queue_names,
            interval=interval,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=True,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        self.identity = WorkerIdentity(
            worker_id=worker_id,
            hostname=socket.gethostname(),
            pid=os.getpid(),
            queues=",".join(queue_names),
            started_at=clock.now(),
        )
        self.current_task_id: str | None = None
        self._housekeeping_stop = threading.Event()

    # --- the loop ---------------------------------------------------------------------------------

    def run(self) -> None:
        housekeeping = threading.Thread(target=self._housekeep, name="worker-housekeeping", daemon=True)
        housekeeping.start()
        try:
            while self.running:
                try:
                    super().run()  # django-tasks-db's poll/claim/run loop; returns once stopped
                except CONNECTION_ERRORS as exc:
                    self.wait_for_database(exc)
                # Only the very first start waits a random moment (against a thundering herd).
                self.startup_delay = False
        finally:
            # Stopping already: a repeated signal (a supervisor and a terminal both sending one) must
            # not cut the short clean-up below, which removes the heartbeat row.
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
            self._housekeeping_stop.set()
            housekeeping.join(timeout=10)
            self._heartbeat_remove()
        logger.info("worker %s stopped after %d task(s)", self.worker_id, self._run_tasks)

    def wait_for_database(self, exc: BaseException, *, while_running: bool = True) -> None:
        """Back off until the database answers again (or the worker is asked to stop)."""
        logger.warning("worker %s: database unavailable, retrying with back-off: %s", self.worker_id, exc)
        started = time.monotonic()
        attempt = 0
        while self.running or not while_running:
            close_connections()
            time.sleep(backoff_delay(attempt))
            attempt += 1
            try:
                database_probe()
            except CONNECTION_ERRORS:
                continue
            logger.info(
                "worker %s: database available again after %.1f s (%d attempt(s))",
                self.worker_id,
                time.monotonic() - started,
                attempt,
            )
            return

    # --- one task ---------------------------------------------------------------------------------

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.running_task = True
        self.current_task_id = str(db_task_result.pk)
        try:
            self._run_and_record(db_task_result)
        finally:
            self.running_task = False
            self.current_task_id = None
            self._run_tasks += 1

    def _run_and_record(self, db_task_result: DBTaskResult) -> None:
        """django-tasks-db's run_task, except that a task the database failed under goes back to READY
        and recording the outcome waits for the database instead of giving up."""
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=task_result)
            arguments: tuple[Any, ...] = (TaskContext(task_result=task_result),) if task.takes_context else ()
            return_value = task.call(*arguments, *task_result.args, **task_result.kwargs)
        except CONNECTION_ERRORS as exc:
            if len(db_task_result.worker_ids) < MAX_RUNS_AFTER_DATABASE_ERRORS:
                logger.warning("task %s hit a database error; it will run again: %s", db_task_result.pk, exc)
                self._record(partial(self._requeue, db_task_result), exc)
                return
            # The same error every time (a statement timeout, say) is the task's own: fail it.
            self._record(partial(db_task_result.set_failed, exc), exc)
        except (KeyboardInterrupt, SystemExit):
            # Aborted by a second stop signal: not the task's fault; it runs again elsewhere.
            with suppress(Exception):
                self._requeue(db_task_result)
            raise
        except Exception as exc:
            self._record(partial(db_task_result.set_failed, exc), None)
        else:
            self._record(partial(db_task_result.set_successful, return_value), None)
        with suppress(Exception):  # a broken import or receiver must not stop the worker
            task_finished.send(
                sender=type(db_task_result.task.get_backend()), task_result=db_task_result.task_result
            )

    def _record(self, action: Callable[[], object], first_error: BaseException | None) -> None:
        if first_error is not None:
            self.wait_for_database(first_error, while_running=False)
        while True:
            try:
                close_old_connections()
                action()
                return
            except CONNECTION_ERRORS as exc:
                self.wait_for_database(exc, while_running=False)

    def _requeue(self, db_task_result: DBTaskResult) -> None:
        task_running_requeue(task_id=str(db_task_result.pk), started_at=db_task_result.started_at)

    # --- heartbeat and maintenance (background thread, its own connection) -----------------------

    def _housekeep(self) -> None:
        next_maintenance = 0.0
        try:
            while True:
                self._beat()
                if time.monotonic() >= next_maintenance:
                    self._maintain()
                    next_maintenance = time.monotonic() + settings.WORKER_MAINTENANCE_SECONDS
                if self._housekeeping_stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
                    return
        finally:
            connections.close_all()

    def _beat(self) -> None:
        try:
            close_old_connections()
            worker_heartbeat_beat(
                worker=self.identity, current_task_id=self.current_task_id, tasks_done=self._run_tasks
            )
        except CONNECTION_ERRORS as exc:  # the main loop reports the outage once
            logger.debug("heartbeat not written: %s", exc)
            close_connections()
        except Exception:
            logger.exception("heartbeat not written")

    def _maintain(self) -> None:
        try:
            close_old_connections()
            for outcome in worker_maintenance_run():
                if outcome.handled:
                    logger.info("maintenance %s handled %d", outcome.name, outcome.handled)
        except Exception:  # each entry is isolated already; this is the connection itself failing
            logger.debug("maintenance skipped", exc_info=True)
            close_connections()

    def _heartbeat_remove(self) -> None:
        try:
            close_old_connections()
            worker_heartbeat_remove(worker_id=self.worker_id)
        except Exception as exc:  # the row goes silent and stale instead; harmless
            logger.warning("worker %s: heartbeat row not removed: %s", self.worker_id, exc)
