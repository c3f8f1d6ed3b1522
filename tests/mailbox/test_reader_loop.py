"""The reader's loop as operators run it: a real ``manage.py run_mailbox`` process on PostgreSQL
against the real Dovecot — new mail noticed by IDLE, the heartbeat, SIGTERM, and an unreachable server."""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timedelta

import pytest
from django.db import connection

from calsreg.core import clock
from calsreg.mailbox.loop import ReaderLoop
from calsreg.mailbox.models import MailboxMessage, MessageState, ReaderHeartbeat
from calsreg.mailbox.reader import mailbox_pass
from tests.plugins.imap import PROCESSED
from tests.plugins.processes import wait_until

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a real reader process shares PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

# A poll interval far longer than any wait in these tests: only IDLE can explain mail read in seconds.
NO_POLL = {"CALSREG_MAILBOX_POLL_SECONDS": "600", "CALSREG_MAILBOX_IDLE_SECONDS": "600"}


def reader_env(imap_mailbox, *, port: int | None = None) -> dict[str, str]:
    server = imap_mailbox.server
    return {
        **NO_POLL,
        "CALSREG_MAILBOXES": "reception",
        "CALSREG_MAILBOX_RECEPTION_URL": (
            f"imap+starttls://{imap_mailbox.user}@{server.host}:{port or server.port}/INBOX"
        ),
        "CALSREG_MAILBOX_RECEPTION_PASSWORD": imap_mailbox.password,
        "CALSREG_MAILBOX_RECEPTION_CA_FILE": server.ca_file,
    }


def closed_port() -> int:
    """A port of this machine nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_reader_notices_new_mail_by_idle_and_stops_cleanly_on_sigterm(imap_mailbox, mail, spawn):
    # given a reader process that has read the empty mailbox once and now waits for mail
    reader = spawn("run_mailbox", "--mailbox", "reception", env=reader_env(imap_mailbox))
    wait_until(lambda: ReaderHeartbeat.objects.filter(last_pass_at__isnull=False).exists(), timeout=20)
    time.sleep(1.0)  # let it open its waiting connection and enter IDLE
    assert reader.alive(), reader.output()
    assert reader.output().count("pass done") == 1

    # when a message arrives
    raw = mail(1)
    arrived = time.monotonic()
    uid = imap_mailbox.append(raw)

    # then within seconds (the poll interval is 10 minutes) it is kept, processed and moved
    row = wait_until(lambda: MailboxMessage.objects.filter(moved_at__isnull=False).first(), timeout=10)
    assert time.monotonic() - arrived < 10
    assert (row.mailbox, row.uid, row.state) == ("reception", uid, MessageState.TRIAGE)
    with row.evidence.file.open("rb") as handle:
        assert handle.read() == raw
    wait_until(lambda: imap_mailbox.uids("INBOX") == [], timeout=5)
    assert imap_mailbox.messages(PROCESSED) == [raw]
    # and its heartbeat row is fresh, naming the mailbox, without an error
    (beat,) = ReaderHeartbeat.objects.all()
    assert (beat.mailbox, beat.last_error) == ("reception", "")
    assert clock.now() - beat.beat_at < timedelta(seconds=10)
    assert beat.last_pass_at is not None and clock.now() - beat.last_pass_at < timedelta(seconds=10)

    # when it is asked to stop while waiting
    stop_asked = time.monotonic()
    code = reader.terminate(timeout=15)

    # then it exits 0 within seconds, says so, and removes its heartbeat row
    assert code == 0, reader.output()
    assert time.monotonic() - stop_asked < 5
    output = reader.output()
    assert "mailbox reception: Terminated received, stopping after the current message" in output
    assert "Traceback" not in output
    assert ReaderHeartbeat.objects.count() == 0
    assert MailboxMessage.objects.count() == 1


def test_an_unreachable_server_is_one_warning_per_pass_with_a_growing_back_off(imap_mailbox, spawn):
    # given a reader configured with a port nothing listens on
    reader = spawn("run_mailbox", "--mailbox", "reception", env=reader_env(imap_mailbox, port=closed_port()))

    def failures() -> list[str]:
        return [line for line in reader.output().splitlines() if "pass failed" in line]

    # when it has tried three times (after 1 s, then 2 s)
    wait_until(lambda: len(failures()) >= 3, timeout=20)
    time.sleep(2.0)  # within the 4 s back-off that follows the third try

    # then it still runs, and each try was one warning line, backing off 1, 2, 4 s
    assert reader.alive(), reader.output()
    lines = failures()
    assert [re.search(r"next try in (\d+) s$", line).group(1) for line in lines] == ["1", "2", "4"]
    assert all(" WARNING calsreg.mailbox " in line for line in lines)
    assert all("mailbox reception (starttls://" in line and "connecting failed" in line for line in lines)
    tried_at = [datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f") for line in lines]
    gaps = [(tried_at[1] - tried_at[0]).total_seconds(), (tried_at[2] - tried_at[1]).total_seconds()]
    assert 0.9 < gaps[0] < 1.9 and 1.9 < gaps[1] < 2.9, gaps
    output = reader.output()
    assert "Traceback" not in output
    assert imap_mailbox.password not in output
    # and its heartbeat row says what failed, with no pass done
    (beat,) = ReaderHeartbeat.objects.all()
    assert "connecting failed" in beat.last_error and imap_mailbox.password not in beat.last_error
    assert beat.last_pass_at is None
    assert MailboxMessage.objects.count() == 0

    # when it is asked to stop during the back-off, it exits 0 at once
    assert reader.terminate(timeout=15) == 0, reader.output()
    assert ReaderHeartbeat.objects.count() == 0


def test_mail_that_arrives_between_a_pass_and_its_idle_is_read_at_once(imap_mailbox, mail, settings):
    # given a pass over the empty mailbox, and a message arriving before the loop waits for mail
    # (IDLE reports only what arrives after it began; the window cannot be hit on purpose in a process)
    settings.MAILBOX_IDLE_SECONDS = 20
    loop = ReaderLoop(name="reception")
    result = mailbox_pass(name="reception")
    assert (result.listed, result.last_uid) == (0, 0)
    imap_mailbox.append(mail(1))

    # when the loop waits for mail
    started = time.monotonic()
    loop._wait(result)

    # then it returns at once for the next pass, not after the IDLE interval
    assert time.monotonic() - started < 5
    assert mailbox_pass(name="reception").kept == 1
