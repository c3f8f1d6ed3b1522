"""The reader's settings, a maildir source, a storm read in bounded passes, and its place in the pool."""

from __future__ import annotations

import mailbox as stdlib_mailbox
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from calsreg.jobs.supervisor import Supervisor
from calsreg.mailbox.config import MailboxSettings, mailboxes_parse
from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.mailbox.reader import mailbox_pass
from calsreg.mailbox.sources.maildir import UIDVALIDITY_FILE
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor, audit_record
from tests.plugins.imap import PROCESSED


def test_settings_read_each_mailbox_and_never_show_the_password(tmp_path):
    password_file = tmp_path / "password"
    password_file.write_text("file-s3cret\n")
    parsed = mailboxes_parse(
        {
            "CALSREG_MAILBOXES": "reception, replies",
            "CALSREG_MAILBOX_RECEPTION_URL": "imaps://desk@mail.example.jp/INBOX",
            "CALSREG_MAILBOX_RECEPTION_PASSWORD": "env-s3cret",
            "CALSREG_MAILBOX_REPLIES_URL": "imap+starttls://replies@mail.example.jp:587/Replies",
            "CALSREG_MAILBOX_REPLIES_PASSWORD_FILE": str(password_file),
            "CALSREG_MAILBOX_REPLIES_PROCESSED_FOLDER": "Done",
        }
    )

    assert parsed.errors == ()
    reception, replies = parsed.mailboxes
    assert (reception.scheme, reception.host, reception.port, reception.user, reception.folder) == (
        "imaps",
        "mail.example.jp",
        993,
        "desk",
        "INBOX",
    )
    assert (reception.password, reception.processed_folder) == ("env-s3cret", "calsreg/processed")
    assert (replies.scheme, replies.port, replies.folder, replies.processed_folder) == (
        "starttls",
        587,
        "Replies",
        "Done",
    )
    assert replies.password == "file-s3cret"
    assert "s3cret" not in repr(parsed)


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        (
            {
                "CALSREG_MAILBOX_RECEPTION_URL": "imap://desk@mail.example.jp/INBOX",
                "CALSREG_MAILBOX_RECEPTION_PASSWORD": "p",
            },
            "CALSREG_MAILBOX_RECEPTION_URL: plain imap:// is only for this machine",
        ),
        (
            {"CALSREG_MAILBOX_RECEPTION_URL": "imaps://desk:hunter2@mail.example.jp/INBOX"},
            "CALSREG_MAILBOX_RECEPTION_URL holds a password",
        ),
        (
            {"CALSREG_MAILBOX_RECEPTION_URL": "imaps://desk@mail.example.jp/"},
            "CALSREG_MAILBOX_RECEPTION_PASSWORD or",
        ),
        ({"CALSREG_MAILBOX_RECEPTION_URL": "pop3://desk@mail.example.jp/"}, "the scheme must be"),
        ({}, "CALSREG_MAILBOX_RECEPTION_URL is not set"),
        ({"CALSREG_MAILBOX_RECEPTION_URL": "maildir://relative/path"}, "maildir:///absolute/path"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_variable(environ, problem):
    parsed = mailboxes_parse({"CALSREG_MAILBOXES": "reception", **environ})

    assert parsed.mailboxes == ()
    (error,) = parsed.errors
    assert problem in error
    assert "hunter2" not in error


def test_the_system_check_stops_commands_on_a_bad_mailbox_setting(settings):
    settings.MAILBOX_SETTINGS_ERRORS = ("CALSREG_MAILBOX_RECEPTION_URL is not set (imaps://…)",)

    with pytest.raises(SystemCheckError, match=r"mailbox\.E001.*CALSREG_MAILBOX_RECEPTION_URL is not set"):
        call_command("check")


def test_run_workers_supervises_one_reader_per_mailbox():
    supervisor = Supervisor(queues_per_worker=["default"], worker_args=[], mailboxes=["reception", "replies"])

    commands = [supervisor.command(slot)[2:] for slot in supervisor.slots]

    assert commands == [
        ["run_worker", "--queue-name", "default"],
        ["run_mailbox", "--mailbox", "reception"],
        ["run_mailbox", "--mailbox", "replies"],
    ]
    assert len(Supervisor(queues_per_worker=["default"], worker_args=[]).slots) == 1


@pytest.mark.django_db
def test_a_maildir_goes_through_the_same_steps(tmp_path, settings, mail):
    # given a maildir with two messages
    folder = tmp_path / "Maildir"
    maildir = stdlib_mailbox.Maildir(str(folder), create=True)
    raws = [mail(1), mail(2)]
    for raw in raws:
        maildir.add(raw)
    settings.MAILBOXES = (MailboxSettings(name="reception", scheme="maildir", path=str(folder)),)

    # when the reader passes twice
    first = mailbox_pass(name="reception")
    second = mailbox_pass(name="reception")

    # then both are kept unaltered, processed, and moved into .processed; the second pass does nothing
    assert (first.kept, first.processed, first.moved) == (2, 2, 2)
    assert (second.listed, second.kept) == (0, 0)
    rows = list(MailboxMessage.objects.order_by("id"))
    kept = set()
    for row in rows:
        assert row.state == MessageState.TRIAGE
        assert row.uidvalidity == int((folder / UIDVALIDITY_FILE).read_text())
        with row.evidence.file.open("rb") as handle:
            kept.add(handle.read())
    assert kept == set(raws)
    assert list(maildir.iterkeys()) == []
    moved = {path.read_bytes() for path in Path(folder, ".processed", "cur").iterdir()}
    assert moved == set(raws)


@pytest.mark.django_db
def test_a_storm_is_read_in_bounded_passes_that_leave_room_for_other_work(imap_mailbox, mail, settings):
    # given 300 messages and batches of 50
    settings.MAILBOX_BATCH_MESSAGES = 50
    imap_mailbox.append_many([mail(number) for number in range(300)])

    # when the reader passes until nothing is left, another job writing between its passes
    kept = []
    while True:
        result = mailbox_pass(name="reception")
        kept.append(result.kept)
        # every message was committed on its own: another job's write goes through between passes
        audit_record(actor=Actor.system("another job"), action="test.other_work", subject=result_row())
        if not result.more:
            break

    # then each pass read at most one batch, and all 300 were kept, processed and moved once
    assert kept == [50, 50, 50, 50, 50, 50]
    assert MailboxMessage.objects.filter(state=MessageState.TRIAGE, moved_at__isnull=False).count() == 300
    assert AuditEvent.objects.filter(action="test.other_work").count() == 6
    assert imap_mailbox.uids("INBOX") == []
    assert len(imap_mailbox.uids(PROCESSED)) == 300


def result_row():
    return MailboxMessage.objects.order_by("-id").first()
