"""The reader's loop (``manage.py run_mailbox``): pass after pass over one mailbox, never exiting on
its own.

* Between passes it waits with IMAP IDLE where the server offers it (re-issued every
  ``HEARTBEAT_SECONDS`` so the heartbeat stays fresh, and at most every ``MAILBOX_IDLE_SECONDS``
  passes anyway — RFC 2177 asks for a new IDLE within 29 minutes), else it polls every
  ``MAILBOX_POLL_SECONDS``. A pass that left work (the batch limit, a failed try) is followed at once
  or after the poll interval.
* A failed pass (server unreachable, login refused, the database away) is one warning line without a
  traceback, then a back-off of 1 s doubling to 60 s, forever.
* SIGTERM/SIGINT: the current message is finished, the heartbeat row removed, exit 0.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from calsreg.core import clock
from calsreg.mailbox.config import mailbox_settings
from calsreg.mailbox.health import reader_heartbeat_beat, reader_heartbeat_remove, reader_id_default
from calsreg.mailbox.reader import PassResult, mailbox_pass
from calsreg.mailbox.sources import SourceError, source_open

logger = logging.getLogger("calsreg.mailbox")

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 60.0
HEARTBEAT_SECONDS = 60.0
# What a failed pass may raise that the next one may not: the server, the network, the database.
PASS_ERRORS: tuple[type[BaseException], ...] = (SourceError, DatabaseError, OSError)


def backoff_seconds(failures: int) -> float:
    """1, 2, 4, … seconds, at most 60, after the ``failures``-th failed pass in a row."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(0, min(failures - 1, 16)))


def _connections_refreshed() -> None:
    """Drop connections that broke or outlived CONN_MAX_AGE between passes (as a request's end does);
    never inside a transaction (a caller's, or a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


class ReaderLoop:
    def __init__(self, *, name: str) -> None:
        self.mailbox = mailbox_settings(name)  # LookupError for a name not configured
        self.name = name
        self.reader_id = reader_id_default(name)
        self.started_at = clock.now()
        self.stopping = False

    def stop_requested(self) -> bool:
        return self.stopping

    def configure_signals(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info(
            "mailbox %s: %s received, stopping after the current message", self.name, signal.strsignal(signum)
        )
        self.stopping = True

    def run(self, *, once: bool = False) -> int:
        """Loop until stopped (exit code 0). ``once``: one pass; 1 when it failed."""
        failures = 0
        try:
            while not self.stopping:
                try:
                    result = self._pass()
                    if once:
                        return 0
                    failures = 0
                    self._wait(result)
                except PASS_ERRORS as exc:
                    failures += 1
                    delay = backoff_seconds(failures)
                    # One line, no traceback: the error says what failed (never a password).
                    logger.warning("mailbox %s: pass failed: %s; next try in %.0f s", self.name, exc, delay)
                    self._beat(error=str(exc))
                    if once:
                        return 1
                    self._sleep(delay)
            return 0
        finally:
            self._heartbeat_remove()

    def _pass(self) -> PassResult:
        _connections_refreshed()
        result = mailbox_pass(name=self.name, stop_requested=self.stop_requested)
        self._beat(passed=True)
        return result

    def _wait(self, result: PassResult) -> None:
        if self.stopping or result.more:
            return
        if result.failed or self.mailbox.is_maildir:
            self._sleep(settings.MAILBOX_POLL_SECONDS)
            return
        deadline = time.monotonic() + min(settings.MAILBOX_IDLE_SECONDS, 29 * 60)
        with source_open(self.mailbox) as source:
            if not source.can_idle:
                self._sleep(settings.MAILBOX_POLL_SECONDS)
                return
            while not self.stopping and time.monotonic() < deadline:
                # IDLE reports only what arrives while it runs: mail that came since the pass listed
                # the folder (or between two IDLEs) is read at once. Asked by UID, not from UIDNEXT:
                # an empty folder at the pass is the usual case, and UIDs of mail moved out are not new.
                if any(uid > result.last_uid for uid in source.uids()):
                    return
                seconds = min(HEARTBEAT_SECONDS, deadline - time.monotonic())
                if source.wait(seconds=seconds, stop_requested=self.stop_requested):
                    return
                self._beat()

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        next_beat = time.monotonic() + HEARTBEAT_SECONDS
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
            if time.monotonic() >= next_beat:
                self._beat()
                next_beat = time.monotonic() + HEARTBEAT_SECONDS

    def _beat(self, *, passed: bool = False, error: str | None = None) -> None:
        try:
            _connections_refreshed()
            reader_heartbeat_beat(
                reader_id=self.reader_id,
                mailbox=self.name,
                started_at=self.started_at,
                passed=passed,
                error=error,
            )
        except DatabaseError as exc:  # the pass reports the outage; a missing beat shows it too
            logger.debug("mailbox %s: heartbeat not written: %s", self.name, exc)

    def _heartbeat_remove(self) -> None:
        try:
            reader_heartbeat_remove(reader_id=self.reader_id)
        except DatabaseError as exc:  # the row goes silent and stale instead; harmless
            logger.warning("mailbox %s: heartbeat row not removed: %s", self.name, exc)
