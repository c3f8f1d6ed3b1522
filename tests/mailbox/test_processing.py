"""Each kind of received mail becomes the right outcome, with its evidence (issue 14, items 2 and 4)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail as outbox

from calsreg.applications.models import Application, Channel
from calsreg.applications.states import Status
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.mailbox.parsing import mail_parse
from calsreg.mailbox.processing import message_process
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.verification.models import Answer, ConfirmationRequest
from tests.desk.helpers import JST, filled_workbook
from tests.mailbox import mails

pytestmark = pytest.mark.django_db

DIRECTORY = mails.DIRECTORY


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST), tick=True):
        yield


confirmation_sent = mails.confirmation_sent


def test_an_application_workbook_becomes_an_application_with_the_mail_and_the_workbook_kept(supervisor):
    workbook = filled_workbook(office=supervisor.office)

    message = mails.processed(mails.application_mail(workbook))

    application = Application.objects.get()
    assert (message.state, message.kind, message.triage_reason) == (
        MessageState.PROCESSED,
        MessageKind.APPLICATION,
        "",
    )
    assert (message.result_type, message.result_id) == ("application", application.pk)
    assert message.reason == f"利用申込書を受付番号 {application.receipt_number} として受け付けました。"
    assert (application.channel, application.get_channel_display()) == (Channel.MAILBOX, "メール（自動受信）")
    kept = Evidence.objects.filter(subject_type="application", subject_id=application.pk).order_by("pk")
    assert [(e.kind, e.original_name) for e in kept] == [
        (EvidenceKind.APPLICATION_WORKBOOK, "利用申込書_越後建設.xlsx"),
        (EvidenceKind.RECEIVED_MAIL, f"mail-reception-{message.uid}.eml"),
    ]
    assert kept[0].file.read() == workbook
    acknowledgment = Delivery.objects.get(kind="application_received")
    assert acknowledgment.to_address == application.applicant_email
    assert message.recognised["receipt_number"] == application.receipt_number
    assert message.recognised["sender"] == mails.APPLICANT
    assert message.recognised["attachments"] == [
        {
            "filename": "利用申込書_越後建設.xlsx",
            "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "size": len(workbook),
        }
    ]
    assert (message.from_address, message.subject_line) == (
        f"越後 花子 <{mails.APPLICANT}>",
        "利用申込書の送付",
    )


def test_a_threaded_confirmation_is_recorded_on_its_request_by_the_supervisor(desk, supervisor):
    application, delivery = confirmation_sent(desk, supervisor)
    body = "お世話になっております。\n確認しました\n\n山田\n\n" + mails.QUOTED_TEMPLATE

    message = mails.processed(
        mails.reply_mail(sender=f"山田 直樹 <{DIRECTORY}>", body=body, in_reply_to=delivery.message_id)
    )

    request = ConfirmationRequest.objects.get()
    assert (message.state, message.kind) == (MessageState.PROCESSED, MessageKind.SUPERVISOR_REPLY)
    assert (message.result_type, message.result_id) == ("confirmationrequest", request.pk)
    assert (request.answer, request.answer_channel, request.reply_from) == (
        Answer.CONFIRMED,
        "mail",
        DIRECTORY,
    )
    assert request.reply_evidence.kind == EvidenceKind.SUPERVISOR_REPLY
    assert message.recognised["matched_by"] == "thread"
    assert message.recognised["answer"] == "confirmed"
    answered = AuditEvent.objects.filter(action="confirmation.answered").get()
    assert answered.actor_label == f"山田 直樹（{supervisor.code}）"
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONFIRMATION  # the call is still to be made


def test_a_denial_by_references_keeps_the_replys_own_text_as_the_reason(desk, supervisor):
    application, delivery = confirmation_sent(desk, supervisor)
    body = "心当たりがありません\nこの工事は当事務所の発注ではありません。\n\n" + mails.QUOTED_TEMPLATE

    message = mails.processed(
        mails.reply_mail(sender=DIRECTORY, body=body, references=f"<other@example.jp> {delivery.message_id}")
    )

    request = ConfirmationRequest.objects.get()
    assert message.state == MessageState.PROCESSED
    assert (request.answer, request.reason) == (
        Answer.DENIED,
        "心当たりがありません\nこの工事は当事務所の発注ではありません。",
    )
    application.refresh_from_db()
    assert application.status == Status.REJECTED


@pytest.mark.parametrize(
    "subject",
    [
        "Re: 利用申込内容のご確認（受付番号：{number}）",
        # Long enough to be folded between encoded words, across the receipt number itself.
        "Re: 【新潟県CALS】利用申込内容のご確認のお願い（受付番号：{number}）工事名がとても長い場合の件名",
    ],
)
def test_a_reply_naming_the_receipt_number_from_the_directory_address_answers_its_one_request(
    desk, supervisor, subject
):
    application, _delivery = confirmation_sent(desk, supervisor)

    message = mails.processed(
        mails.reply_mail(
            sender=DIRECTORY, body="確認しました", subject=subject.format(number=application.receipt_number)
        )
    )

    assert (message.state, message.recognised["matched_by"]) == (MessageState.PROCESSED, "receipt_number")
    assert ConfirmationRequest.objects.get().answer == Answer.CONFIRMED


def test_an_unclear_reply_waits_for_the_desk_with_its_request(desk, supervisor):
    _application, delivery = confirmation_sent(desk, supervisor)

    message = mails.processed(
        mails.reply_mail(
            sender=DIRECTORY, body="ご連絡ありがとうございます。", in_reply_to=delivery.message_id
        )
    )

    request = ConfirmationRequest.objects.get()
    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.REPLY_UNCLEAR)
    assert message.recognised["request"]["request_id"] == request.pk
    assert message.recognised["answer"] == "none"
    assert request.is_open


def test_a_dsn_marks_the_returned_delivery_failed_for_good_with_its_status(desk, supervisor):
    _application, delivery = confirmation_sent(desk, supervisor)

    message = mails.processed(mails.dsn_mail(returned_message_id=delivery.message_id, recipient=DIRECTORY))

    delivery.refresh_from_db()
    assert (message.state, message.kind) == (MessageState.PROCESSED, MessageKind.BOUNCE)
    assert (message.result_type, message.result_id) == ("delivery", delivery.pk)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "5.1.1 smtp; 550 5.1.1 User unknown"
    assert delivery.bounced_at is not None
    assert AuditEvent.objects.filter(action="notification.bounced").count() == 1
    assert message.recognised["bounce"]["recipients"] == [DIRECTORY]


def test_a_bounce_of_no_mail_of_ours_waits_for_the_desk():
    message = mails.processed(
        mails.dsn_mail(returned_message_id="<unknown@x.example>", recipient="a@b.example")
    )

    assert (message.state, message.kind, message.triage_reason) == (
        MessageState.TRIAGE,
        MessageKind.BOUNCE,
        TriageReason.BOUNCE_UNMATCHED,
    )


def test_an_out_of_office_answer_to_a_confirmation_mail_is_an_auto_reply_and_answers_nothing(
    desk, supervisor
):
    _application, delivery = confirmation_sent(desk, supervisor)
    deliveries = Delivery.objects.count()

    message = mails.processed(mails.out_of_office_mail(in_reply_to=delivery.message_id))

    assert (message.state, message.kind, message.triage_reason) == (
        MessageState.TRIAGE,
        MessageKind.AUTO_REPLY,
        TriageReason.AUTO_REPLY,
    )
    assert ConfirmationRequest.objects.get().is_open
    assert Delivery.objects.count() == deliveries


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (mails.mail(body="申込書の書き方を教えてください。"), TriageReason.QUESTION),
        (mails.mail(html="<p>申込書を<b>送ります</b></p><script>alert(1)</script>"), TriageReason.QUESTION),
        (b"\x00\xff not a mail at all", TriageReason.UNREADABLE),
    ],
    ids=["question", "html-only", "not-a-mail"],
)
def test_mail_without_a_workbook_waits_for_the_desk_with_the_reason(raw, why):
    message = mails.processed(raw)

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, why)
    assert Application.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_an_html_only_mail_is_read_as_text_without_markup():
    parsed = mail_parse(raw=mails.mail(html="<p>申込書を<b>送ります</b></p><script>alert(1)</script>"))

    assert parsed.html_only
    assert parsed.text.strip() == "申込書を送ります"


def test_two_workbooks_wait_for_the_desk(supervisor):
    workbook = filled_workbook(office=supervisor.office)

    message = mails.processed(mails.two_workbooks_mail(workbook, workbook))

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.SEVERAL_WORKBOOKS)
    assert Application.objects.count() == 0


def test_a_message_is_processed_once(supervisor):
    raw = mails.application_mail(filled_workbook(office=supervisor.office))
    message = mails.processed(raw)
    before = (Application.objects.count(), Delivery.objects.count(), AuditEvent.objects.count())

    message_process(message=message, raw=raw)

    message.refresh_from_db()
    assert message.state == MessageState.PROCESSED
    assert (Application.objects.count(), Delivery.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    "raw",
    [
        b"From: \xff\xfe <\xed\xa0\x80@x>\r\nSubject: =?utf-8?b?\xff?= \xed\xa0\x80\r\n\r\nbody\x00\r\n",
        b"From: a@b.example\r\nFrom: c@d.example\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xff",
        b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: application/octet-stream; name=a.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!\r\n",
        b"Subject: " + b"A" * 100_000 + b"\r\n\r\n",
    ],
    ids=["undecodable-headers", "two-from-unknown-charset", "broken-base64", "absurd-header"],
)
def test_hostile_mail_never_raises(raw):
    message = mails.processed(raw)

    assert message.state == MessageState.TRIAGE
    assert len(message.subject_line) <= 300
    assert Application.objects.count() == 0
    assert len(outbox.outbox) == 0


def test_a_mail_larger_than_any_form_is_not_read(settings):
    settings.UPLOAD_MAX_BYTES = 1000

    message = mails.processed(mails.mail(body="x" * 3000))

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.TOO_LARGE)
    assert MailboxMessage.objects.count() == 1
