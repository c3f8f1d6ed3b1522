"""Real reader processes on PostgreSQL: one killed between recording and moving, several at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.mailbox.reader import mailbox_pass
from calsreg.records.models import AuditEvent, Evidence
from tests.plugins.imap import PROCESSED
from tests.plugins.processes import ROOT, database_url, media_root

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real reader processes share PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def reader_environment(imap_mailbox) -> dict[str, str]:
    server = imap_mailbox.server
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "CALSREG_MEDIA_ROOT": media_root(),
        "CALSREG_TEST_CLOCK_AT": datetime.now(UTC).isoformat(),
        "CALSREG_MAILBOXES": "reception",
        "CALSREG_MAILBOX_RECEPTION_URL": f"imap+starttls://{imap_mailbox.user}@{server.host}:{server.port}/INBOX",
        "CALSREG_MAILBOX_RECEPTION_PASSWORD": imap_mailbox.password,
        "CALSREG_MAILBOX_RECEPTION_CA_FILE": server.ca_file,
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("CALSREG_TEST_CLOCK_SHIFT_DAYS", None)
    return environment


@pytest.mark.parametrize("kill_at", ["kept", "processed"])
def test_a_reader_killed_between_recording_and_moving_loses_nothing_and_doubles_nothing(
    imap_mailbox, mail, tmp_path, kill_at
):
    # given two messages and a reader process that is killed right after a step committed
    raws = [mail(1), mail(2)]
    imap_mailbox.append_many(raws)
    environment = {**reader_environment(imap_mailbox), "CALSREG_TEST_MAILBOX_KILL_AT": kill_at}
    with (tmp_path / "reader.log").open("wb") as log:
        child = subprocess.run(
            [sys.executable, "-m", "tests.mailbox.killed_reader", "run_mailbox", "--once"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
    assert child.returncode == -signal.SIGKILL, (tmp_path / "reader.log").read_text()
    (row,) = MailboxMessage.objects.all()
    assert row.moved_at is None
    assert len(imap_mailbox.uids("INBOX")) == 2

    # when a reader passes after the crash
    mailbox_pass(name="reception")
    again = mailbox_pass(name="reception")

    # then both messages are kept, processed and moved exactly once
    rows = list(MailboxMessage.objects.order_by("uid"))
    assert [(r.state, r.moved_at is not None) for r in rows] == [(MessageState.TRIAGE, True)] * 2
    assert Evidence.objects.count() == 2
    assert AuditEvent.objects.filter(action="mailbox_message.kept").count() == 2
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == raws
    assert (again.kept, again.processed, again.moved) == (0, 0, 0)


def test_several_readers_of_one_mailbox_at_once_double_nothing(imap_mailbox, mail, monkeypatch):
    # given 40 messages and three readers started together, each processing slowly
    raws = [mail(number) for number in range(40)]
    imap_mailbox.append_many(raws)
    calls: list[int] = []
    from calsreg.mailbox import processing

    placeholder = processing.message_process

    def counted(*, message, raw):
        calls.append(message.pk)
        placeholder(message=message, raw=raw)

    monkeypatch.setattr(processing, "message_process", counted)
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def read() -> None:
        try:
            start.wait()
            while mailbox_pass(name="reception", limit=10).more:
                pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # when one more pass settles anything left moving
    mailbox_pass(name="reception")

    # then every message has one row, was processed once and moved once
    assert errors == []
    assert MailboxMessage.objects.count() == 40
    assert sorted(calls) == sorted(set(calls)) and len(calls) == 40
    assert Evidence.objects.count() == 40
    assert MailboxMessage.objects.filter(moved_at__isnull=True).count() == 0
    assert imap_mailbox.uids("INBOX") == []
    assert sorted(imap_mailbox.messages(PROCESSED)) == sorted(raws)
