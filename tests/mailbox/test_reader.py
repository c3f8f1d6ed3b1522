"""The mailbox reader against a real Dovecot: kept unaltered with its SHA-256, processed once, moved."""

from __future__ import annotations

import hashlib

import pytest

from calsreg.mailbox.models import MailboxMessage, MessageState
from calsreg.mailbox.reader import mailbox_pass
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from tests.plugins.imap import PROCESSED

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scheme", ["starttls", "imaps"])
def test_appended_messages_are_kept_unaltered_processed_and_moved(imap_mailbox, mail, scheme):
    # given two messages in the INBOX, read over STARTTLS or IMAPS
    imap_mailbox.configure(scheme=scheme)
    raws = [mail(1), mail(2)]
    uids = [imap_mailbox.append(raw) for raw in raws]

    # when the reader passes once
    result = mailbox_pass(name="reception")

    # then each is kept byte for byte with its SHA-256, processed (the placeholder: triage) and moved
    assert (result.listed, result.kept, result.processed, result.moved, result.failed) == (2, 2, 2, 2, 0)
    rows = list(MailboxMessage.objects.order_by("uid"))
    assert [row.uid for row in rows] == uids
    for row, raw in zip(rows, raws, strict=True):
        assert row.state == MessageState.TRIAGE
        assert row.sha256 == hashlib.sha256(raw).hexdigest()
        assert row.evidence.sha256 == row.sha256
        assert row.evidence.kind == EvidenceKind.RECEIVED_MAIL
        assert (row.evidence.subject_type, row.evidence.subject_id) == ("mailboxmessage", row.pk)
        with row.evidence.file.open("rb") as handle:
            assert handle.read() == raw
        assert row.moved_at is not None
        assert row.mailbox == "reception"
    assert rows[0].message_id == "<m1@sender.example.jp>"
    assert rows[0].subject_line == "問い合わせ 1"
    assert rows[0].from_address == "Sender <sender@example.jp>"
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == raws


def test_a_second_pass_changes_nothing(imap_mailbox, mail):
    # given a mailbox read once
    imap_mailbox.append(mail(1))
    mailbox_pass(name="reception")
    before = (MailboxMessage.objects.count(), Evidence.objects.count(), AuditEvent.objects.count())

    # when the reader passes again
    result = mailbox_pass(name="reception")

    # then nothing is kept, processed or moved again
    assert (result.listed, result.kept, result.processed, result.moved) == (0, 0, 0, 0)
    assert (MailboxMessage.objects.count(), Evidence.objects.count(), AuditEvent.objects.count()) == before
    assert len(imap_mailbox.messages(PROCESSED)) == 1
