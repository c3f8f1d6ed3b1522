"""The reply to the sender of a refused workbook: what it says, where it goes and where it never goes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.applications.models import Application
from calsreg.mailbox.models import MessageState, TriageReason
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.services import deliveries_send_due
from tests.desk.helpers import JST, filled_workbook
from tests.factories import SupervisorFactory
from tests.mailbox import mails

pytestmark = pytest.mark.django_db

KIND = "mailbox_workbook_refused"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST), tick=True):
        yield


def refused_workbook() -> bytes:
    """A real application form with two problems in its content."""
    office = SupervisorFactory().office
    return filled_workbook(office=office, F_applicant_email="tanaka@", F_contractor_phone="")


def test_the_reply_names_each_problem_and_leaves_as_an_automatic_reply(smtp_server):
    message = mails.processed(mails.application_mail(refused_workbook()))

    assert (message.state, message.triage_reason) == (MessageState.TRIAGE, TriageReason.WORKBOOK_REFUSED)
    problems = message.recognised["problems"]
    assert problems == [
        {"label": "電話番号", "message": "「電話番号」を入力してください。"},
        {
            "label": "メールアドレス",
            "message": "「メールアドレス」の形式が正しくありません（例: taro@example.co.jp）。",
        },
    ]
    assert Application.objects.count() == 0
    assert deliveries_send_due() == 1
    sent = smtp_server.messages[0]
    assert sent["To"] == mails.APPLICANT
    assert sent["Auto-Submitted"] == "auto-replied"
    assert smtp_server.subjects == ["【新潟県CALSシステム】お送りいただいた申込書を受け付けできませんでした"]
    body = sent.get_content()
    for problem in problems:
        assert f"・{problem['label']}：{problem['message']}" in body
    assert "添付ファイル「利用申込書_越後建設.xlsx」" in body
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_four_refused_workbooks_from_one_sender_in_a_day_get_three_replies():
    workbook = refused_workbook()

    outcomes = [
        mails.processed(mails.application_mail(workbook, message_id=f"<m{n}@x.example>")).recognised["reply"]
        for n in range(4)
    ]

    assert outcomes == ["sent", "sent", "sent", "rate_limited"]
    assert Delivery.objects.filter(kind=KIND).count() == 3
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 1, tzinfo=JST), tick=False):
        fifth = mails.processed(mails.application_mail(workbook, message_id="<m5@x.example>"))
    assert fifth.recognised["reply"] == "sent"


def test_no_reply_to_an_address_that_bounced():
    workbook = refused_workbook()
    first = mails.processed(mails.application_mail(workbook))
    reply = Delivery.objects.get(kind=KIND)
    Delivery.objects.filter(pk=reply.pk).update(
        status=DeliveryStatus.SENT, message_id="<reply-1@calsreg.example.jp>", sent_at=dt.datetime.now(dt.UTC)
    )
    mails.processed(
        mails.dsn_mail(returned_message_id="<reply-1@calsreg.example.jp>", recipient=mails.APPLICANT)
    )

    second = mails.processed(mails.application_mail(workbook, message_id="<again@x.example>"))

    assert (first.recognised["reply"], second.recognised["reply"]) == ("sent", "bounced")
    assert Delivery.objects.filter(kind=KIND).count() == 1


@pytest.mark.parametrize(
    ("headers", "outcome"),
    [
        ({"Auto-Submitted": "auto-generated"}, None),
        ({"Precedence": "bulk"}, "not_to_automatic"),
        ({"List-Id": "<members.example.jp>"}, "not_to_automatic"),
        ({"Return-Path": "<>"}, None),
    ],
    ids=["auto-submitted", "bulk", "list", "null-sender"],
)
def test_no_reply_to_an_automatic_bulk_or_list_mail(headers, outcome):
    message = mails.processed(mails.application_mail(refused_workbook(), headers=headers))

    assert Delivery.objects.filter(kind=KIND).count() == 0
    assert Application.objects.count() == 0
    if outcome is not None:
        assert message.recognised["reply"] == outcome
    else:  # taken for an automatic reply or a bounce before its attachment is looked at
        assert message.state == MessageState.TRIAGE


def test_no_reply_to_our_own_address():
    message = mails.processed(mails.application_mail(refused_workbook(), sender="replies@calsreg.example.jp"))

    assert message.recognised["reply"] == "own_address"
    assert Delivery.objects.filter(kind=KIND).count() == 0
