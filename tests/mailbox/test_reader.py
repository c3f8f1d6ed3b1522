"""The mailbox reader against a real Dovecot: kept unaltered with its SHA-256, processed once, moved."""

from __future__ import annotations

import hashlib

import pytest

from calsreg.mailbox.models import MailboxMessage, MessageState, TriageReason
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


def test_the_same_message_appended_again_is_a_duplicate_processed_no_further(imap_mailbox, mail, monkeypatch):
    # given a message read and processed once
    raw = mail(1)
    imap_mailbox.append(raw)
    mailbox_pass(name="reception")
    (first,) = MailboxMessage.objects.all()
    calls = []
    monkeypatch.setattr("calsreg.mailbox.processing.message_process", lambda **kw: calls.append(kw))

    # when the same bytes arrive again (a new UID) and the reader passes
    second_uid = imap_mailbox.append(raw)
    result = mailbox_pass(name="reception")

    # then the copy is recorded as a duplicate sharing the evidence, processed no further, and moved
    assert (result.kept, result.duplicates, result.processed, result.moved) == (0, 1, 0, 1)
    copy = MailboxMessage.objects.get(uid=second_uid)
    assert copy.state == MessageState.DUPLICATE
    assert copy.evidence_id == first.evidence_id
    assert copy.recognised == {"duplicate_of": first.pk}
    assert calls == []
    assert Evidence.objects.count() == 1
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == [raw, raw]


def test_a_message_over_the_size_cap_keeps_only_its_header_for_triage(imap_mailbox, mail, settings):
    # given a cap of 4,000 bytes and a message of about 10,000
    settings.MAILBOX_MAX_MESSAGE_BYTES = 4000
    raw = mail(1, size=10_000)
    header = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    imap_mailbox.append(raw)

    # when the reader passes
    result = mailbox_pass(name="reception")

    # then the header is the evidence, the row waits on the triage list saying why, and it is moved
    assert (result.kept, result.too_large, result.processed, result.moved) == (1, 1, 0, 1)
    (row,) = MailboxMessage.objects.all()
    assert (row.state, row.triage_reason, row.size_bytes) == (
        MessageState.TRIAGE,
        TriageReason.TOO_LARGE,
        len(raw),
    )
    assert row.reason.startswith(f"メールが大きすぎるため（{len(raw)} バイト、上限 4000 バイト）")
    with row.evidence.file.open("rb") as handle:
        assert handle.read() == header
    assert row.sha256 == hashlib.sha256(header).hexdigest()
    assert imap_mailbox.messages(PROCESSED) == [raw]


def test_a_message_larger_than_a_batch_still_is_read_and_batches_stay_bounded(imap_mailbox, mail, settings):
    # given batches of at most 3 messages and 5,000 bytes
    settings.MAILBOX_BATCH_MESSAGES = 3
    settings.MAILBOX_BATCH_BYTES = 5000
    raws = [mail(1, size=6000), mail(2), mail(3), mail(4), mail(5)]
    imap_mailbox.append_many(raws)
    fetched: list[list[int]] = []
    from calsreg.mailbox.sources.imap import ImapSource

    original = ImapSource.bodies

    def bodies(self, uids):
        fetched.append(list(uids))
        return original(self, uids)

    ImapSource.bodies = bodies
    try:
        # when the reader passes twice (3 new messages a pass)
        first = mailbox_pass(name="reception")
        second = mailbox_pass(name="reception")
    finally:
        ImapSource.bodies = original

    # then the big one was fetched alone, the others at most three at a time, and all were kept
    assert (first.kept, first.more, second.kept, second.more) == (3, True, 2, False)
    assert [len(uids) for uids in fetched] == [1, 2, 2]
    assert imap_mailbox.messages(PROCESSED) == raws
