"""``manage.py run_workers``: start the worker pool as child processes and keep it running.

The pool comes from ``WORKER_POOL``: workers separated by ";", each a ","-separated list of queues
("default;mail,outbound" = one worker for "default", one for "mail" and "outbound"; "*" = every
queue; repeat an item for more workers on the same queues). A child that exits for any reason is
started again after a back-off (1 s, doubling to 30 s; back to 1 s once a child has run a minute).
With mailboxes configured (``MAILBOXES``), one ``run_mailbox --mailbox NAME`` child per mailbox is
supervised the same way (none when there is none).
SIGTERM/SIGINT are forwarded to the children, which finish their current task; the supervisor waits
for them (SIGKILL after ``stop_timeout`` seconds) and exits 0.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

logger = logging.getLogger(__name__)

RESTART_FIRST_SECONDS = 1.0
RESTART_CAP_SECONDS = 30.0
HEALTHY_AFTER_SECONDS = 60.0


def pool_parse(spec: str, *, known_queues: Sequence[str]) -> list[str]:
    """The pool setting as one "--queue-name" value per worker; ValueError names what is wrong."""
    workers = []
    for item in spec.split(";"):
        queues = [queue.strip() for queue in item.split(",") if queue.strip()]
        if not queues:
            continue
        unknown = [queue for queue in queues if queue != "*" and queue not in known_queues]
        if unknown:
            raise ValueError(f"unknown queue(s) in the worker pool: {', '.join(unknown)}")
        workers.append(",".join(queues))
    if not workers:
        raise ValueError("the worker pool is empty")
    return workers


def restart_delay(failures: int) -> float:
    """1, 2, 4, … seconds, at most 30, after the ``failures``-th exit in a row."""
    return min(RESTART_CAP_SECONDS, RESTART_FIRST_SECONDS * 2 ** max(0, min(failures - 1, 16)))


@dataclass
class Slot:
    queues: str
    # A mailbox reader's slot names its mailbox (and has no queues).
    mailbox: str = ""
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None


class Supervisor:
    def __init__(
        self,
        *,
        queues_per_worker: list[str],
        worker_args: list[str],
        stop_timeout: float = 60.0,
        mailboxes: Sequence[str] = (),
    ):
        self.slots = [Slot(queues=queues) for queues in queues_per_worker]
        self.slots += [Slot(queues=f"mailbox {name}", mailbox=name) for name in mailboxes]
        self.worker_args = worker_args
        self.stop_timeout = stop_timeout
        self.stopping = False

    def command(self, slot: Slot) -> list[str]:
        manage = Path(__file__).resolve().parents[2] / "manage.py"
        if slot.mailbox:
            return [sys.executable, str(manage), "run_mailbox", "--mailbox", slot.mailbox]
        return [sys.executable, str(manage), "run_worker", "--queue-name", slot.queues, *self.worker_args]

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for slot in self.slots:
            self._start(slot)
        while not self.stopping:
            for slot in self.slots:
                self._watch(slot)
            time.sleep(0.2)
        self._stop_children()
        return 0

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info("supervisor: %s received, stopping the workers", signal.strsignal(signum))
        self.stopping = True

    def _start(self, slot: Slot) -> None:
        slot.process = subprocess.Popen(self.command(slot))  # noqa: S603 — our own interpreter and manage.py
        slot.started = time.monotonic()
        slot.restart_at = None
        logger.info("supervisor: worker for %s started (pid %d)", slot.queues, slot.process.pid)

    def _watch(self, slot: Slot) -> None:
        if slot.process is None or self.stopping:
            return
        now = time.monotonic()
        code = slot.process.poll()
        if code is None:
            if now - slot.started > HEALTHY_AFTER_SECONDS:
                slot.failures = 0
            return
        if slot.restart_at is None:
            slot.failures += 1
            delay = restart_delay(slot.failures)
            slot.restart_at = now + delay
            logger.warning(
                "supervisor: worker for %s (pid %d) exited with %s; restarting in %.0f s",
                slot.queues,
                slot.process.pid,
                code,
                delay,
            )
        elif now >= slot.restart_at:
            self._start(slot)

    def _stop_children(self) -> None:
        running = [
            slot.process for slot in self.slots if slot.process is not None and slot.process.poll() is None
        ]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("supervisor: worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        logger.info("supervisor: all workers stopped")
