"""The help desk's mailbox end to end (issue 14, "Done when"): mails appended to a real Dovecot, read
over STARTTLS by ``mailbox_pass``, classified by the real classifier and recorded by the real domain
services; the mails calsreg sends (the confirmation mail a reply threads to, the acknowledgment a DSN
returns, the ones the received mail causes) leave through a real SMTP server."""

# ruff: noqa: F811 (the fixtures imported below are requested by name)
from __future__ import annotations

from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.applications.models import Application, Channel
from calsreg.applications.states import Status
from calsreg.changes.models import ChangeChannel, ChangeRequest
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.mailbox.reader import mailbox_pass
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.verification.models import Answer, ConfirmationRequest
from calsreg.verification.services import call_record
from tests.mailbox import end_to_end as e2e
from tests.mailbox.end_to_end import day, on_the_day, rows, scene  # noqa: F401
from tests.plugins.imap import PROCESSED

pytestmark = pytest.mark.django_db

P, T = MessageState.PROCESSED, MessageState.TRIAGE


def test_the_days_mails_become_their_outcomes_each_kept_unaltered_and_moved(day, imap_mailbox):
    # when the reader passes once over the six mails
    result = mailbox_pass(name="reception")

    # then each was kept byte for byte with its SHA-256, processed once and moved
    raws = list(day.mails.values())
    assert (result.listed, result.kept, result.duplicates, result.processed, result.failed, result.moved) == (
        6,
        6,
        0,
        6,
        0,
        6,
    )
    kept = rows()
    assert [(r.state, r.kind, r.triage_reason, r.result_type) for r in kept] == [
        (P, MessageKind.APPLICATION, "", "application"),
        (P, MessageKind.SUPERVISOR_REPLY, "", "confirmationrequest"),
        (P, MessageKind.CHANGE_FORM, "", "changerequest"),
        (T, MessageKind.OTHER, TriageReason.QUESTION, ""),
        (T, MessageKind.AUTO_REPLY, TriageReason.AUTO_REPLY, ""),
        (P, MessageKind.BOUNCE, "", "delivery"),
    ]
    for row, raw in zip(kept, raws, strict=True):
        assert (row.sha256, row.evidence.sha256, row.size_bytes) == (
            e2e.sha256(raw),
            e2e.sha256(raw),
            len(raw),
        )
        assert (row.evidence.kind, row.evidence.subject_type, row.evidence.subject_id) == (
            EvidenceKind.RECEIVED_MAIL,
            "mailboxmessage",
            row.pk,
        )
        assert e2e.kept_bytes(row) == raw
        assert row.moved_at is not None
    assert imap_mailbox.uids("INBOX") == []
    assert imap_mailbox.messages(PROCESSED) == raws
    assert AuditEvent.objects.filter(action="mailbox_message.kept").count() == 6
    # the triage entries say why they wait for the desk
    assert [r.reason for r in kept[3:5]] == [
        "申込書・変更申込書が添付されていないメールです。内容を読んで対応してください。",
        "自動応答のメール（Auto-Submitted: auto-replied）です。返信はしていません。",
    ]


def test_a_mailed_application_is_received_with_the_mail_and_workbook_as_evidence_and_acknowledged(
    day, smtp_server
):
    mailbox_pass(name="reception")
    sent_before = len(smtp_server.envelopes)

    application = Application.objects.get(channel=Channel.MAILBOX)
    row = MailboxMessage.objects.get(kind=MessageKind.APPLICATION)
    assert (row.result_id, application.status, application.applicant_email) == (
        application.pk,
        Status.SUBMITTED,
        e2e.FORM_ADDRESS,
    )
    assert row.reason == f"利用申込書を受付番号 {application.receipt_number} として受け付けました。"
    kept = Evidence.objects.filter(subject_type="application", subject_id=application.pk).order_by("pk")
    assert [(e.kind, e.original_name) for e in kept] == [
        (EvidenceKind.APPLICATION_WORKBOOK, "利用申込書_越後建設.xlsx"),
        (EvidenceKind.RECEIVED_MAIL, f"mail-reception-{row.uid}.eml"),
    ]
    raw = day.mails["application"]
    assert kept[0].file.read() == e2e.attachment_of(raw)
    assert (kept[1].file.read(), kept[1].sha256) == (raw, e2e.sha256(raw))
    # the acknowledgment goes to the applicant's address on the form, not to the mail's sender
    (acknowledgment,) = Delivery.objects.filter(
        kind="application_received", subject_type="application", subject_id=application.pk
    )
    deliveries_send_due()
    acknowledgment.refresh_from_db()
    assert (acknowledgment.to_address, acknowledgment.status) == (e2e.FORM_ADDRESS, DeliveryStatus.SENT)
    (sent,) = [m for m in smtp_server.messages[sent_before:] if m["Message-ID"] == acknowledgment.message_id]
    assert sent["To"] == e2e.FORM_ADDRESS
    assert application.receipt_number in sent.get_content()
    assert e2e.SENDER not in {r for envelope in smtp_server.envelopes for r in envelope.rcpt_tos}


def test_a_threaded_reply_confirms_the_right_request_as_a_reply_recorded_at_the_desk_would(
    day, client, imap_mailbox
):
    # given a twin application awaiting the same supervisor, whose reply the desk records by hand
    twin = e2e.awaiting_twin(day)
    twin_request = ConfirmationRequest.objects.get(application=twin)
    client.force_login(day.desk_user)
    client.post(
        reverse("desk:reply_record", args=[twin.pk, twin_request.pk]),
        {"answer": "confirmed", "reason": "", "eml": SimpleUploadedFile("返信.eml", day.mails["reply"])},
    )

    # when the reply threaded to the first confirmation mail is read from the mailbox
    mailbox_pass(name="reception")

    # then it answers that request, and only that one, as the desk's record answered the twin
    request = ConfirmationRequest.objects.get(application=day.awaiting)
    row = MailboxMessage.objects.get(kind=MessageKind.SUPERVISOR_REPLY)
    assert (row.result_id, row.recognised["matched_by"]) == (request.pk, "thread")
    twin_request.refresh_from_db()
    assert _answered(request) == _answered(twin_request) == (Answer.CONFIRMED, "mail", e2e.DIRECTORY, False)
    assert (
        _progress(day.awaiting)
        == _progress(twin)
        == (Status.AWAITING_CONFIRMATION, ["confirmation.answered"])
    )
    reply = request.reply_evidence
    assert (reply.kind, reply.subject_type, reply.subject_id) == (
        EvidenceKind.SUPERVISOR_REPLY,
        "application",
        day.awaiting.pk,
    )
    assert (reply.file.read(), reply.sha256) == (day.mails["reply"], e2e.sha256(day.mails["reply"]))
    # and a confirming call moves both on alike
    for application in (day.awaiting, twin):
        call_record(
            application=application,
            supervisor=day.supervisor,
            outcome="confirmed",
            note="名簿の番号で確認",
            actor=day.desk,
        )
    assert (
        _progress(day.awaiting)
        == _progress(twin)
        == (
            Status.CONFIRMED,
            ["confirmation.answered", "confirmation.call_recorded", "application.confirmed"],
        )
    )


def _answered(request: ConfirmationRequest) -> tuple:
    return request.answer, request.answer_channel, request.reply_from, request.is_open


def _progress(application: Application) -> tuple[str, list[str]]:
    """The status, and what happened to the application since its confirmation mail was sent."""
    application.refresh_from_db()
    actions = list(
        AuditEvent.objects.filter(subject_type="application", subject_id=application.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )
    return application.status, actions[actions.index("confirmation.sent") + 1 :]


def test_a_mailed_change_form_is_filed_with_notices_only_to_addresses_on_file(day, smtp_server):
    mailbox_pass(name="reception")
    sent_before = len(smtp_server.envelopes)

    change = ChangeRequest.objects.get()
    row = MailboxMessage.objects.get(kind=MessageKind.CHANGE_FORM)
    assert (row.result_id, change.project_id, change.channel) == (
        change.pk,
        day.project.pk,
        ChangeChannel.MAIL,
    )
    assert change.form_evidence.file.read() == e2e.attachment_of(day.mails["change"])
    mail = Evidence.objects.get(
        subject_type="changerequest", subject_id=change.pk, kind=EvidenceKind.RECEIVED_MAIL
    )
    assert mail.file.read() == day.mails["change"]
    on_file = day.project.application.applicant_email
    notices = Delivery.objects.filter(subject_type="changerequest", subject_id=change.pk)
    assert list(notices.values_list("kind", "to_address")) == [("change_request_received", on_file)]
    deliveries_send_due()
    recipients = {r for envelope in smtp_server.envelopes[sent_before:] for r in envelope.rcpt_tos}
    assert on_file in recipients and e2e.STRANGER not in recipients


def test_a_dsn_of_a_sent_mail_marks_that_delivery_failed(day):
    mailbox_pass(name="reception")

    acknowledgment = day.acknowledgment
    acknowledgment.refresh_from_db()
    row = MailboxMessage.objects.get(kind=MessageKind.BOUNCE)
    assert (row.state, row.result_type, row.result_id) == (P, "delivery", acknowledgment.pk)
    assert (acknowledgment.status, acknowledgment.last_error) == (
        DeliveryStatus.FAILED,
        "5.1.1 smtp; 550 5.1.1 User unknown",
    )
    assert acknowledgment.bounced_at is not None
    assert AuditEvent.objects.filter(action="notification.bounced").count() == 1


def test_a_storm_of_200_mails_is_read_in_passes_of_50_each_mail_exactly_once(scene, imap_mailbox, settings):
    # given 200 different mails of every kind, and passes of at most 50
    settings.MAILBOX_BATCH_MESSAGES = 50
    raws, kinds = e2e.storm_mails(scene, 200)
    imap_mailbox.append_many(raws)
    applications, deliveries = Application.objects.count(), Delivery.objects.count()

    # when the reader passes until nothing is left
    passes = []
    while not passes or passes[-1].more:
        passes.append(mailbox_pass(name="reception"))

    # then four passes of 50 kept, processed and moved each mail once
    assert [(p.listed, p.kept, p.processed, p.moved, p.more) for p in passes] == [
        (200, 50, 50, 50, True),
        (150, 50, 50, 50, True),
        (100, 50, 50, 50, True),
        (50, 50, 50, 50, False),
    ]
    kept = rows()
    assert [r.sha256 for r in kept] == [e2e.sha256(raw) for raw in raws]
    assert len({r.uid for r in kept}) == 200
    assert Counter((r.state, r.kind, r.triage_reason) for r in kept) == {
        (P, MessageKind.APPLICATION, ""): kinds["application"],
        (T, MessageKind.AUTO_REPLY, TriageReason.AUTO_REPLY): kinds["auto_reply"],
        (T, MessageKind.BOUNCE, TriageReason.BOUNCE_UNMATCHED): kinds["bounce"],
        (T, MessageKind.SUPERVISOR_REPLY, TriageReason.REPLY_UNCLEAR): kinds["unclear_reply"],
        (T, MessageKind.OTHER, TriageReason.QUESTION): kinds["question"],
    }
    assert Application.objects.count() == applications + 10
    assert Delivery.objects.count() == deliveries + 10  # one acknowledgment each
    assert (
        Evidence.objects.filter(kind=EvidenceKind.RECEIVED_MAIL, subject_type="mailboxmessage").count() == 200
    )
    assert imap_mailbox.uids("INBOX") == []
    assert sorted(imap_mailbox.messages(PROCESSED)) == sorted(raws)
