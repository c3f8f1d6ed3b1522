"""Attacks through the mailbox: each goes through the real processing and changes nothing it must not.

A reply confirms only from the directory address and only on the request its mail threads to; a
workbook refused by the upload guards records nothing; the refusal reply goes nowhere it could
harm (rate-limited, never to a bounced address or an automatic mail).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from calsreg.applications.excel import workbook_build
from calsreg.applications.states import Status
from calsreg.mailbox.models import MailboxMessage, MessageState, TriageReason
from calsreg.mailbox.processing import message_process
from calsreg.notifications.models import Delivery
from calsreg.verification.models import Answer, ConfirmationRequest, UnlistedSenderReply
from calsreg.verification.services import confirmations_overdue_sweep
from tests.applications.files.workbooks import rezipped
from tests.desk.helpers import JST
from tests.mailbox import mails
from tests.verification.helpers import deliver, state

pytestmark = pytest.mark.django_db

DIRECTORY = mails.DIRECTORY
ATTACKER = "yamada.naoki@freemail.example.com"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST), tick=True):
        yield


confirmation_sent = mails.confirmation_sent


def process(raw: bytes) -> tuple[MailboxMessage, dict[str, Any]]:
    """Kept as the reader keeps it, then processed; with the state just before the processing."""
    message = mails.kept(raw)
    before = state()
    with transaction.atomic():
        message_process(message=MailboxMessage.objects.select_for_update().get(pk=message.pk), raw=raw)
    message.refresh_from_db()
    return message, before


def raw_reply(*from_lines: str, in_reply_to: str, body: str = "確認しました") -> bytes:
    headers = [f"From: {line}" for line in from_lines] + [
        f"To: {mails.HELP_DESK}",
        "Subject: Re: 利用申込内容のご確認",
        "Message-ID: <forged-1@mail.example.com>",
        f"In-Reply-To: {in_reply_to}",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(headers) + f"\r\n\r\n{body}\r\n").encode()


@pytest.mark.parametrize(
    "from_lines",
    [
        (f"山田 直樹 <{ATTACKER}>",),
        (f'"{DIRECTORY}" <{ATTACKER}>',),
        (DIRECTORY, ATTACKER),
        (f"{DIRECTORY}, {ATTACKER}",),
    ],
    ids=["another-address", "display-name-spoof", "two-from-headers", "two-senders"],
)
def test_a_reply_not_from_the_directory_address_confirms_nothing(desk, supervisor, from_lines):
    application, delivery = confirmation_sent(desk, supervisor)

    message, before = process(raw_reply(*from_lines, in_reply_to=delivery.message_id))

    after = state()
    request = ConfirmationRequest.objects.get()
    assert request.is_open and request.answer == ""
    application.refresh_from_db()
    assert application.status == Status.AWAITING_CONFIRMATION
    assert after["requests"] == before["requests"]
    assert after["applications"] == before["applications"]
    assert after["unlisted_replies"] == before["unlisted_replies"] + 1
    assert UnlistedSenderReply.objects.get().stated_answer == Answer.CONFIRMED
    assert message.result_type == "unlistedsenderreply"
    assert after["deliveries"] == before["deliveries"]


def test_a_reply_quoting_both_lines_but_saying_nothing_is_left_for_the_desk(desk, supervisor):
    _application, delivery = confirmation_sent(desk, supervisor)
    body = "お世話になっております。\n\n" + mails.QUOTED_TEMPLATE

    message, before = process(mails.reply_mail(sender=DIRECTORY, body=body, in_reply_to=delivery.message_id))

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.REPLY_UNCLEAR)
    assert state() == before


def test_a_reply_with_both_lines_kept_is_left_for_the_desk(desk, supervisor):
    _application, delivery = confirmation_sent(desk, supervisor)

    message, before = process(
        mails.reply_mail(
            sender=DIRECTORY, body="確認しました\n心当たりがありません", in_reply_to=delivery.message_id
        )
    )

    assert (message.triage_reason, message.recognised["answer"]) == (TriageReason.REPLY_UNCLEAR, "both")
    assert state() == before


def test_a_reply_threaded_to_one_application_never_answers_another(desk, supervisor):
    first, first_mail = confirmation_sent(desk, supervisor)
    second, _second_mail = confirmation_sent(desk, supervisor, project_number="R8-新潟-土木-0999")
    second_request = ConfirmationRequest.objects.get(application=second)
    before = list(ConfirmationRequest.objects.filter(pk=second_request.pk).values())

    message, _ = process(
        mails.reply_mail(
            sender=DIRECTORY,
            body="確認しました",
            in_reply_to=first_mail.message_id,
            subject=f"Re: 受付番号：{second.receipt_number}",
        )
    )

    assert message.recognised["request"]["application_id"] == first.pk
    assert ConfirmationRequest.objects.get(application=first).answer == Answer.CONFIRMED
    assert list(ConfirmationRequest.objects.filter(pk=second_request.pk).values()) == before


def test_a_forged_reply_to_the_reminder_of_a_closed_request_is_left_for_the_desk(desk, supervisor):
    _application, delivery = confirmation_sent(desk, supervisor)
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, 0, tzinfo=JST), tick=True):
        assert confirmations_overdue_sweep() == 1
        deliver()
        reminder = Delivery.objects.get(kind="confirmation_reminder")
        mails.processed(
            mails.reply_mail(sender=DIRECTORY, body="確認しました", in_reply_to=delivery.message_id)
        )
        assert not ConfirmationRequest.objects.get().is_open

        message, before = process(
            raw_reply(DIRECTORY, in_reply_to=reminder.message_id, body="心当たりがありません\n不正です")
        )

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.REPLY_NOT_OPEN)
    assert state() == before


@pytest.mark.parametrize(
    ("workbook", "refusal"),
    [
        (
            rezipped(
                workbook_build(office_names=["新潟地域振興局 地域整備部"]),
                extra={"xl/vbaProject.bin": b"\0" * 64},
            ),
            "マクロを含むブック",
        ),
        (OLE_MAGIC + "EncryptedPackage".encode("utf-16-le"), "パスワードが設定されている"),
        (
            rezipped(
                workbook_build(office_names=["新潟地域振興局 地域整備部"]),
                extra={"xl/media/x.bin": b"\0" * (3 << 20)},
            ),
            "異常に大きく",
        ),
    ],
    ids=["macro", "encrypted", "zip-bomb"],
)
def test_a_hostile_workbook_is_refused_with_the_guards_message(workbook, refusal):
    message, before = process(mails.application_mail(workbook))

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.WORKBOOK_REFUSED)
    assert refusal in message.recognised["problems"][0]["message"]
    assert message.recognised["reply"] == "sent"
    after = state()
    assert after["applications"] == before["applications"] == []
    assert (after["audit"], after["evidence"]) == (before["audit"], before["evidence"])
    assert after["deliveries"] == before["deliveries"] + 1
