"""The demo's mail: what the demo data puts into the help desk's mailboxes, and how it gets there."""

from __future__ import annotations

import email
import html
import mailbox as maildir_lib
import re
import secrets
import time
from email import policy
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from calsreg.accounts.models import User
from calsreg.applications.excel.reader import workbook_read
from calsreg.applications.models import Application, Channel
from calsreg.applications.validation import validate_application
from calsreg.changes.excel import change_workbook_read
from calsreg.changes.models import ChangeRequest
from calsreg.demo.mailbox import confirmation_message_id, demo_mails_prepare, mail_append
from calsreg.demo.staff import DEMO_STAFF
from calsreg.mailbox.config import MailboxSettings, mailboxes_parse
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.records.services import Actor
from calsreg.verification.models import Answer, ConfirmationRequest
from tests.plugins.imap import PROCESSED, ImapMailbox

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pending_files_left():
    """The test's transaction never commits, so the evidence files the reader kept stay "pending" for
    this thread; a later test's request would try to settle them without a database."""
    yield
    from calsreg.core import files

    files._pending().clear()


@pytest.fixture
def demo(settings):
    settings.EMAIL_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
    call_command("load_demo_data", stdout=StringIO())
    return Actor.staff(User.objects.get(username=DEMO_STAFF[0][0]))


def _parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def _attachment(raw: bytes) -> tuple[str, bytes]:
    (part,) = list(_parsed(raw).iter_attachments())
    return part.get_filename(), part.get_content()


def test_the_demo_mails_are_an_application_a_threaded_reply_a_change_form_a_question_and_an_away_reply(demo):
    mails = demo_mails_prepare(desk=demo)

    assert [(m.mailbox, m.what.split(" ")[0]) for m in mails] == [
        ("reception", "application"),
        ("replies", "supervisor's"),
        ("replies", "out-of-office"),
        ("reception", "change"),
        ("reception", "question"),
    ]
    application, reply, away, _change, question = (_parsed(m.raw) for m in mails)
    # The application workbook is the generated form, filled: the real reader and validator take it
    # as they take any workbook (supervisors by name, matched at the desk).
    filename, content = _attachment(mails[0].raw)
    data = validate_application(
        workbook_read(content=content, filename=filename), require_directory_supervisors=False
    )
    assert (filename, data.values["applicant_email"]) == (
        "利用申込書.xlsx",
        application["From"].addresses[0].addr_spec,
    )
    assert len(data.users) >= 2 and len(data.stated_supervisors) >= 1
    # The reply answers the confirmation mail calsreg sent, from the directory address.
    request = ConfirmationRequest.objects.get(
        application__receipt_number=reply["Subject"][-12:-1], sent_to=reply["From"].addresses[0].addr_spec
    )
    assert reply["In-Reply-To"] == confirmation_message_id(request) != ""
    assert (reply["From"].addresses[0].addr_spec, request.answered_at) == (request.sent_to, None)
    assert "■ 確認しました" in reply.get_content()
    assert (away["Auto-Submitted"], away["In-Reply-To"]) == ("auto-replied", None)
    filename, content = _attachment(mails[3].raw)
    form = change_workbook_read(content=content, filename=filename)
    assert form.raw["items"] == [{"field": "billing_department", "value": "総務部"}]
    assert (question.is_multipart(), question["Subject"]) == (False, "利用料金についての質問")
    # Built twice, the same mails: the reader keeps a Message-ID once.
    assert [_parsed(m.raw)["Message-ID"] for m in demo_mails_prepare(desk=demo)] == [
        _parsed(m.raw)["Message-ID"] for m in mails
    ]


def _configured(settings, *boxes: MailboxSettings) -> None:
    settings.MAILBOXES = boxes
    settings.MAILBOX_SETTINGS_ERRORS = ()


@pytest.fixture
def demo_imap(imap_mailbox, imap_server, settings) -> tuple[ImapMailbox, ImapMailbox]:
    """The demo's two mailboxes on the test Dovecot: ``reception`` (the fixture's user) and ``replies``
    (a second user), read over STARTTLS as ``scripts/demo-mailbox.sh`` configures them."""
    user, password = f"r{secrets.token_hex(6)}", f"pw-{secrets.token_urlsafe(12)}"
    imap_server.user_add(user, password)
    time.sleep(1.05)  # Dovecot re-reads its passwd-file at most once a second
    replies = ImapMailbox(server=imap_server, user=user, password=password, settings=settings)
    replies.configure(name="replies")
    _configured(settings, imap_mailbox.mailbox, replies.mailbox)
    return imap_mailbox, replies


def _demo_load(settings) -> str:
    settings.EMAIL_BACKEND = "calsreg.notifications.outbox.OutboxEmailBackend"
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


def _text(response) -> str:
    """The page's visible text, tags dropped and white space folded."""
    content = re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", response.content.decode())
    # ASCII white space only: names keep their full-width space (阿部\u3000浩之).
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", content))).strip()


def test_the_demo_load_reads_its_mail_and_the_desk_shows_it(demo_imap, settings, client):
    reception, replies = demo_imap

    # when the demo data is loaded: its mails go into the two mailboxes, each mailbox is read once
    output = _demo_load(settings)

    # then both mailboxes were emptied into the processed folder, and the reader kept all five
    assert "5 mails to the mailboxes" in output
    assert "mailbox reception (starttls://" in output and "3 kept, 3 processed, 3 moved, 0 failed" in output
    assert "mailbox replies (starttls://" in output and "2 kept, 2 processed, 2 moved, 0 failed" in output
    assert (reception.uids("INBOX"), replies.uids("INBOX")) == ([], [])
    assert (len(reception.messages(PROCESSED)), len(replies.messages(PROCESSED))) == (3, 2)
    rows = {row.message_id.split("-", 2)[2].split("@")[0]: row for row in MailboxMessage.objects.all()}
    assert {key: (row.mailbox, row.state, row.kind, row.triage_reason) for key, row in rows.items()} == {
        "application": ("reception", MessageState.PROCESSED, MessageKind.APPLICATION, ""),
        "change-form": ("reception", MessageState.PROCESSED, MessageKind.CHANGE_FORM, ""),
        "question": ("reception", MessageState.TRIAGE, MessageKind.OTHER, TriageReason.QUESTION),
        "supervisor-reply": ("replies", MessageState.PROCESSED, MessageKind.SUPERVISOR_REPLY, ""),
        "out-of-office": ("replies", MessageState.TRIAGE, MessageKind.AUTO_REPLY, TriageReason.AUTO_REPLY),
    }
    application = Application.objects.get(pk=rows["application"].result_id)
    request = ConfirmationRequest.objects.select_related("application", "supervisor").get(
        pk=rows["supervisor-reply"].result_id
    )
    change = ChangeRequest.objects.get(pk=rows["change-form"].result_id)
    assert (application.channel, application.status, application.applicant_email) == (
        Channel.MAILBOX,
        "submitted",
        rows["application"].recognised["sender"],
    )
    assert (
        request.answer,
        request.answered_at is not None,
        rows["supervisor-reply"].recognised["matched_by"],
    ) == (
        Answer.CONFIRMED,
        True,
        "thread",
    )
    assert change.status == "submitted"

    # and the desk shows them
    client.force_login(User.objects.get(username=DEMO_STAFF[0][0]))
    triage = _text(client.get(reverse("desk:mailbox_triage")))
    assert "全2件（このページは2件）" in triage
    assert "利用料金についての質問 申込書・変更申込書の添付がないメール" in triage
    away = rows["out-of-office"].subject_line
    assert re.fullmatch(
        r"自動応答: 【新潟県CALSシステム】利用申込内容のご確認（受付番号：A\d{4}-\d{5}）", away
    )
    assert f"{away} 自動応答（不在通知など）" in triage
    received = _text(client.get(reverse("desk:mailbox_received")))
    assert "全5件（このページは5件）" in received
    assert f"CALSシステム利用申込書の送付 利用申込書 処理済み 申込 {application.receipt_number}" in received
    receipt = request.application.receipt_number
    assert f"（受付番号：{receipt}） 監督員の返信 処理済み 申込 {receipt}" in received
    assert f"変更申込書の送付（{change.project.project_number}） 変更申込書 処理済み 変更申込" in received
    detail = _text(client.get(reverse("desk:application_detail", args=[application.pk])))
    assert f"受付番号 {application.receipt_number} 受付済み" in detail
    assert "受付経路 メール（自動受信）" in detail
    reply = _text(client.get(reverse("desk:mailbox_message", args=[rows["supervisor-reply"].pk])))
    assert (
        f"監督員 {request.supervisor.name} の返信（申込は正しい（確認））を受付番号 {receipt} の確認依頼に記録しました。"
        in reply
    )
    answered = _text(client.get(reverse("desk:application_detail", args=[request.application_id])))
    assert f"監督員 {request.supervisor.name} の返信メール（確認）を記録しました。" in answered
    assert client.get(reverse("desk:change_detail", args=[change.pk])).status_code == 200


def test_loading_the_demo_again_reads_nothing_twice(demo_imap, settings):
    _demo_load(settings)
    before = (MailboxMessage.objects.count(), Application.objects.count(), ChangeRequest.objects.count())

    output = _demo_load(settings)

    assert "0 mails to the mailboxes" in output
    assert "mailbox reception (starttls://" in output and "0 kept, 0 processed, 0 moved, 0 failed" in output
    assert (
        MailboxMessage.objects.count(),
        Application.objects.count(),
        ChangeRequest.objects.count(),
    ) == before


def test_without_dovecot_the_demo_reads_the_same_mails_from_maildirs(tmp_path, settings):
    # given the settings scripts/demo-mailbox.sh writes when Dovecot is not installed
    parsed = mailboxes_parse(
        {
            "CALSREG_MAILBOXES": "reception,replies",
            "CALSREG_MAILBOX_RECEPTION_URL": f"maildir://{tmp_path}/reception",
            "CALSREG_MAILBOX_REPLIES_URL": f"maildir://{tmp_path}/replies",
        }
    )
    assert parsed.errors == ()
    _configured(settings, *parsed.mailboxes)

    output = _demo_load(settings)

    # then the same five mails were read, with the same outcomes, and moved to .processed
    assert "3 kept, 3 processed, 3 moved, 0 failed" in output and "2 kept, 2 processed, 2 moved" in output
    assert sorted(MailboxMessage.objects.values_list("kind", "state")) == [
        (MessageKind.APPLICATION, MessageState.PROCESSED),
        (MessageKind.AUTO_REPLY, MessageState.TRIAGE),
        (MessageKind.CHANGE_FORM, MessageState.PROCESSED),
        (MessageKind.OTHER, MessageState.TRIAGE),
        (MessageKind.SUPERVISOR_REPLY, MessageState.PROCESSED),
    ]
    assert Application.objects.filter(channel=Channel.MAILBOX).count() == 1
    for name, count in (("reception", 3), ("replies", 2)):
        assert list(maildir_lib.Maildir(tmp_path / name, create=False)) == []
        assert len(list((tmp_path / name / ".processed" / "cur").iterdir())) == count


def test_without_a_mailbox_configured_the_demo_says_so_and_sends_nothing(settings):
    _configured(settings)

    output = _demo_load(settings)

    assert (
        "mailbox reception is not configured (CALSREG_MAILBOXES): application with its workbook not sent"
        in output
    )
    assert "0 mails to the mailboxes" in output
    assert MailboxMessage.objects.count() == 0


def test_a_mail_appended_to_a_maildir_is_the_same_bytes(tmp_path):
    raw = b"From: a@example.jp\r\nSubject: test\r\nMessage-ID: <1@example.jp>\r\n\r\nbody\r\n"
    (box,) = mailboxes_parse(
        {"CALSREG_MAILBOXES": "replies", "CALSREG_MAILBOX_REPLIES_URL": f"maildir://{tmp_path}/replies"}
    ).mailboxes

    mail_append(box=box, raw=raw)

    (path,) = list((tmp_path / "replies" / "new").iterdir())
    assert path.read_bytes() == raw


def test_with_dovecot_the_mails_are_appended_over_starttls(imap_mailbox, demo):
    mails = [m for m in demo_mails_prepare(desk=demo) if m.mailbox == "reception"]

    for mail in mails:
        mail_append(box=imap_mailbox.mailbox, raw=mail.raw)

    assert imap_mailbox.messages("INBOX") == [m.raw for m in mails]
