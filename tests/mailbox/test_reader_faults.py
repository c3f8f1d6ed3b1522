"""The reader when things go wrong: processing that raises, a crash between steps, a refused login."""

from __future__ import annotations

import logging
import os

import pytest

from calsreg.core.files import walk_kept_files
from calsreg.mailbox import reader
from calsreg.mailbox.loop import ReaderLoop
from calsreg.mailbox.models import MailboxMessage, MessageState, TriageReason
from calsreg.mailbox.reader import mailbox_pass
from calsreg.mailbox.sources import LoginRefused
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.records.services import Actor, evidence_store
from tests.plugins.imap import PROCESSED

pytestmark = pytest.mark.django_db


class Flaky(RuntimeError):
    pass


def failing_process(*, message, raw):
    """Writes a file and an audit row, then fails: the whole try must roll back."""
    evidence_store(
        content=b"half-done work",
        original_name="half.txt",
        content_type="text/plain",
        kind=EvidenceKind.OTHER,
        subject=message,
        actor=Actor.system(),
    )
    message.state = MessageState.PROCESSED
    message.save(update_fields=["state"])
    raise Flaky("the database of another service went away")


def test_processing_that_raises_is_rolled_back_retried_and_finally_triaged(
    imap_mailbox, mail, monkeypatch, settings
):
    # given processing that fails, at most 2 tries
    settings.MAILBOX_MAX_ATTEMPTS = 2
    monkeypatch.setattr("calsreg.mailbox.processing.message_process", failing_process)
    raw = mail(1)
    imap_mailbox.append(raw)

    # when the reader passes: the try rolls back, is counted, the mail stays in the INBOX
    first = mailbox_pass(name="reception")

    # then nothing of the failed try is left: no half-done row, no file
    assert (first.kept, first.processed, first.failed, first.moved) == (1, 0, 1, 0)
    (row,) = MailboxMessage.objects.all()
    assert (row.state, row.attempts, row.last_error) == (
        MessageState.RECEIVED,
        1,
        "Flaky: the database of another service went away",
    )
    assert list(Evidence.objects.values_list("kind", flat=True)) == [EvidenceKind.RECEIVED_MAIL]
    # (the kept mail's "not committed yet" marker stays: the test's transaction never commits)
    kept = [path.name for path in walk_kept_files() if not path.name.startswith(".tmp-")]
    assert kept == [os.path.basename(row.evidence.file.name)]
    assert not [path for path in walk_kept_files() if path.name.endswith(".txt")]
    assert len(imap_mailbox.uids("INBOX")) == 1

    # when the reader passes again and it fails a second time
    second = mailbox_pass(name="reception")

    # then it goes to the triage list with the error as the reason, and is moved
    assert (second.kept, second.failed, second.moved) == (0, 1, 1)
    row.refresh_from_db()
    assert (row.state, row.triage_reason, row.attempts) == (
        MessageState.TRIAGE,
        TriageReason.PROCESSING_FAILED,
        2,
    )
    assert row.reason.endswith("Flaky: the database of another service went away")
    assert Evidence.objects.count() == 1
    assert imap_mailbox.messages(PROCESSED) == [raw]


@pytest.mark.parametrize("crash_after", ["kept", "processed", "moved"])
def test_a_reader_stopped_dead_after_any_step_loses_nothing_and_doubles_nothing(
    imap_mailbox, mail, monkeypatch, crash_after
):
    # given a reader that dies right after a step committed (SystemExit: nothing after it runs)
    raws = [mail(1), mail(2)]
    imap_mailbox.append_many(raws)

    def die(step, message):
        if step == crash_after:
            raise SystemExit(137)

    monkeypatch.setattr(reader, "step_reached", die)
    with pytest.raises(SystemExit):
        mailbox_pass(name="reception")
    monkeypatch.undo()

    # when the next pass runs
    mailbox_pass(name="reception")
    again = mailbox_pass(name="reception")

    # then every message is kept once, processed once, and moved once
    rows = list(MailboxMessage.objects.order_by("uid"))
    assert [row.state for row in rows] == [MessageState.TRIAGE, MessageState.TRIAGE]
    assert all(row.moved_at is not None for row in rows)
    assert Evidence.objects.count() == 2
    assert AuditEvent.objects.filter(action="mailbox_message.kept").count() == 2
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == raws
    assert (again.kept, again.processed, again.moved) == (0, 0, 0)


def test_a_refused_login_is_one_clear_line_without_the_password(imap_mailbox, mail, caplog):
    # given a wrong password configured for the mailbox
    secret = "Wr0ng-s3cret-Pa55word"
    imap_mailbox.configure(password=secret)
    imap_mailbox.append(mail(1))
    caplog.set_level(logging.DEBUG)

    # when the reader runs once
    code = ReaderLoop(name="reception").run(once=True)

    # then the pass fails with one warning naming the mailbox and what to check, and no password anywhere
    assert code == 1
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None
    message = warnings[0].getMessage()
    assert "mailbox reception" in message
    assert "refused the login" in message
    assert "CALSREG_MAILBOX_RECEPTION_PASSWORD" in message
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in str(record.args)
    with pytest.raises(LoginRefused) as refused:
        mailbox_pass(name="reception")
    assert secret not in str(refused.value)
    assert secret not in repr(refused.value)
    assert refused.value.__cause__ is None
    assert secret not in repr(imap_mailbox.mailbox)
    assert MailboxMessage.objects.count() == 0
    assert len(imap_mailbox.uids("INBOX")) == 1
