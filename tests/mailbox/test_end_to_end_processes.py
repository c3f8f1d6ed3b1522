"""A real reader process (``manage.py run_mailbox --once``) on PostgreSQL with the real classifier:
killed right after an application mail's processing committed and before the mail was moved, then
followed by another real reader process. Nothing lost, nothing doubled."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
import time_machine
from django.db import connection

from calsreg.applications.models import Application, Channel
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState
from calsreg.mailbox.reader import mailbox_pass
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from tests.desk.helpers import filled_workbook
from tests.factories import SupervisorFactory
from tests.mailbox import end_to_end as e2e
from tests.mailbox import mails
from tests.mailbox.test_reader_processes import reader_environment
from tests.plugins.imap import PROCESSED
from tests.plugins.processes import ROOT

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real reader processes share PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _run(module: str, environment: dict[str, str], log) -> int:
    return subprocess.run(
        [sys.executable, "-m", module, "run_mailbox", "--once"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        timeout=120,
        check=False,
    ).returncode


def test_a_reader_killed_after_processing_an_application_mail_loses_nothing_and_doubles_nothing(
    imap_mailbox, tmp_path
):
    # given an application mail in the mailbox, on a day inside the form's period
    with time_machine.travel(e2e.DAY, tick=True):
        office = SupervisorFactory(email=e2e.DIRECTORY).office
        workbook = filled_workbook(office=office, F_applicant_email=e2e.FORM_ADDRESS)
        raw = mails.application_mail(workbook, message_id="<app-killed@echigo.example.jp>")
        imap_mailbox.append(raw)
        environment = reader_environment(imap_mailbox)

        # when a real reader process is killed (SIGKILL) right after the processing committed
        with (tmp_path / "killed.log").open("wb") as log:
            killed = _run(
                "tests.mailbox.killed_reader",
                {**environment, "CALSREG_TEST_MAILBOX_KILL_AT": "processed"},
                log,
            )

        # then the application and its acknowledgment are recorded, the mail still in the INBOX
        assert killed == -signal.SIGKILL, (tmp_path / "killed.log").read_text()
        (row,) = MailboxMessage.objects.all()
        assert (row.state, row.kind, row.moved_at) == (MessageState.PROCESSED, MessageKind.APPLICATION, None)
        assert imap_mailbox.messages("INBOX") == [raw]
        application = Application.objects.get()

        # when another real reader process passes, then one more in this process
        with (tmp_path / "next.log").open("wb") as log:
            assert _run("tests.plugins.child", environment, log) == 0, (tmp_path / "next.log").read_text()
        last = mailbox_pass(name="reception")

    # then the mail was moved, and nothing was kept, processed or sent twice
    row.refresh_from_db()
    assert row.moved_at is not None
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == [raw]
    assert (last.listed, last.kept, last.processed, last.moved) == (0, 0, 0, 0)
    assert list(Application.objects.values_list("pk", "channel")) == [(application.pk, Channel.MAILBOX)]
    assert list(Delivery.objects.values_list("kind", "to_address")) == [
        ("application_received", e2e.FORM_ADDRESS)
    ]
    assert MailboxMessage.objects.count() == 1
    assert list(Evidence.objects.order_by("pk").values_list("kind", "sha256")) == [
        (EvidenceKind.RECEIVED_MAIL, e2e.sha256(raw)),
        (EvidenceKind.APPLICATION_WORKBOOK, e2e.sha256(e2e.attachment_of(raw))),
        (EvidenceKind.RECEIVED_MAIL, e2e.sha256(raw)),
    ]
    assert [
        action
        for action in AuditEvent.objects.order_by("pk").values_list("action", flat=True)
        if action.startswith(("mailbox_message.", "application."))
    ] == ["mailbox_message.kept", "application.submitted"]
