"""What must change nothing, through a real Dovecot and the real classifier: the same mails seen
again (the very same bytes, or one mail delivered again with other trace fields), and a reply threaded
to the real confirmation mail but not from the directory address."""

# ruff: noqa: F811 (the fixtures imported below are requested by name)
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.mailbox.reader import mailbox_pass
from calsreg.records.models import AuditEvent
from calsreg.verification.models import Answer, ConfirmationRequest, UnlistedSenderReply
from tests.mailbox import end_to_end as e2e
from tests.mailbox import mails
from tests.mailbox.end_to_end import day, on_the_day, rows, scene  # noqa: F401
from tests.mailbox.helpers import state
from tests.plugins.imap import PROCESSED

pytestmark = pytest.mark.django_db

P, T = MessageState.PROCESSED, MessageState.TRIAGE


def test_the_same_mails_seen_again_change_nothing(day, imap_mailbox):
    # given the day's mails read once
    mailbox_pass(name="reception")
    before = e2e.counts()
    outcomes = [(r.pk, r.state, r.result_type, r.result_id) for r in rows()]

    # when a pass finds the mailbox untouched
    untouched = mailbox_pass(name="reception")

    # then it does nothing
    assert (untouched.listed, untouched.kept, untouched.processed, untouched.moved) == (0, 0, 0, 0)
    assert e2e.counts() == before

    # when the very same bytes arrive again (new UIDs) and the reader passes
    raws = list(day.mails.values())
    imap_mailbox.append_many(raws)
    again = mailbox_pass(name="reception")

    # then each is recorded as a duplicate of its first copy, sharing its evidence, and moved;
    # nothing else is added: no application, reply, change request, delivery or audit event but
    # the duplicates' own
    assert (again.listed, again.kept, again.duplicates, again.processed, again.moved) == (6, 0, 6, 0, 6)
    kept = rows()
    assert [(r.pk, r.state, r.result_type, r.result_id) for r in kept[:6]] == outcomes
    assert [(r.state, r.recognised["duplicate_of"], r.evidence_id) for r in kept[6:]] == [
        (MessageState.DUPLICATE, first.pk, first.evidence_id) for first in kept[:6]
    ]
    assert e2e.counts() == {**before, "messages": 12, "audit": before["audit"] + 6}
    assert AuditEvent.objects.filter(action="mailbox_message.duplicate").count() == 6
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == raws + raws
    assert (mailbox_pass(name="reception").listed, e2e.counts()["messages"]) == (0, 12)


def _delivered_to(address: str, raw: bytes) -> bytes:
    """``raw`` as a receiving mail server stores it: its trace fields put in front."""
    return (
        f"Return-Path: <{address}>\r\nDelivered-To: {address}\r\n"
        f"Received: from mx.example.jp by mail.calsreg.example.jp for <{address}>;"
        " Thu, 10 Dec 2026 10:00:00 +0900\r\n"
    ).encode() + raw


def test_one_mail_delivered_again_with_other_trace_fields_changes_nothing(day, imap_mailbox):
    # given the day's mails read once
    mailbox_pass(name="reception")
    before = e2e.counts()

    # when the application and the reply arrive again, delivered to the other help-desk address
    # (or once more by a mail server that lost our reply): other bytes, what the author wrote unchanged
    copies = [
        _delivered_to("replies@calsreg.example.jp", day.mails[name]) for name in ("application", "reply")
    ]
    imap_mailbox.append_many(copies)
    again = mailbox_pass(name="reception")

    # then both are duplicates of their first copy, kept as their own evidence: no second
    # application, acknowledgment or answer
    assert (again.kept, again.duplicates, again.processed, again.moved) == (0, 2, 0, 2)
    first = {r.kind: r for r in rows()[:6]}
    duplicates = rows()[6:]
    assert [(r.state, r.recognised, r.sha256) for r in duplicates] == [
        (
            MessageState.DUPLICATE,
            {"duplicate_of": first[kind].pk, "same": "author_part"},
            e2e.sha256(copy),
        )
        for kind, copy in zip((MessageKind.APPLICATION, MessageKind.SUPERVISOR_REPLY), copies, strict=True)
    ]
    assert [(e2e.kept_bytes(r), r.evidence.sha256) for r in duplicates] == [
        (c, e2e.sha256(c)) for c in copies
    ]
    assert duplicates[0].reason.startswith("同じメール（Message-IDと本文・差出人などが同じで")
    assert e2e.counts() == {
        **before,
        "messages": 8,
        "evidence": before["evidence"] + 2,
        "audit": before["audit"] + 2,
    }
    assert AuditEvent.objects.filter(action="mailbox_message.duplicate").count() == 2
    assert imap_mailbox.messages(PROCESSED)[6:] == copies

    # but another text under the same Message-ID is a mail of its own
    other = mails.mail(
        subject="申込書の書き方", body="別の質問です。", message_id="<question-1@echigo.example.jp>"
    )
    imap_mailbox.append(other)
    assert mailbox_pass(name="reception").kept == 1
    assert (rows()[-1].state, rows()[-1].triage_reason) == (T, TriageReason.QUESTION)


@pytest.mark.parametrize(
    "sender",
    [f"山田 直樹 <{e2e.ATTACKER}>", f'"{e2e.DIRECTORY}" <{e2e.ATTACKER}>'],
    ids=["another-address", "display-name-spoofing-the-directory"],
)
def test_a_forged_reply_threaded_to_the_confirmation_mail_confirms_nothing(
    scene, imap_mailbox, client, sender
):
    # given a "confirmed" reply threaded to the real confirmation mail, not from the directory address
    raw = mails.reply_mail(
        sender=sender,
        body=e2e.CONFIRM_BODY,
        in_reply_to=scene.confirmation.message_id,
        message_id="<forged-1@freemail.example.com>",
    )
    imap_mailbox.append(raw)
    before = state()

    # when the reader passes
    mailbox_pass(name="reception")

    # then the request stays open and the application awaiting: the mail is kept as evidence only
    after = state()
    assert (after["requests"], after["applications"]) == (before["requests"], before["applications"])
    assert (after["deliveries"], after["outbox"], after["calls"]) == (
        before["deliveries"],
        before["outbox"],
        before["calls"],
    )
    assert after["unlisted_replies"] == before["unlisted_replies"] + 1
    assert after["evidence"] == before["evidence"] + 2  # the mail as received, the reply on the application
    request = ConfirmationRequest.objects.get(application=scene.awaiting)
    assert (request.is_open, request.answer, request.reply_evidence_id) == (True, "", None)
    unlisted = UnlistedSenderReply.objects.get()
    assert (unlisted.request_id, unlisted.sender, unlisted.stated_answer) == (
        request.pk,
        sender,
        Answer.CONFIRMED,
    )
    assert e2e.kept_bytes(unlisted) == raw
    row = MailboxMessage.objects.get()
    assert (row.state, row.kind, row.result_type, row.result_id) == (
        P,
        MessageKind.SUPERVISOR_REPLY,
        "unlistedsenderreply",
        unlisted.pk,
    )
    new_events = AuditEvent.objects.order_by("pk")[before["audit"] :]
    assert [(e.action, e.subject_type) for e in new_events] == [
        ("mailbox_message.kept", "mailboxmessage"),
        ("confirmation.reply_not_counted", "application"),
    ]
    assert new_events[1].data["from"] == sender
    # and the desk's application page warns of it
    client.force_login(scene.desk_user)
    panel = client.get(reverse("desk:verification_panel", args=[scene.awaiting.pk])).content.decode()
    assert escape(unlisted.warning) in panel
