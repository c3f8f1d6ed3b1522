"""Received mail past its retention period becomes a tombstone; mail that became an application
goes with the application (docs/retention.md, "Received mail")."""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from calsreg.applications.models import Application
from calsreg.applications.services import application_reject
from calsreg.core.subjects import subject_type_of
from calsreg.lifecycle.redaction import ERASED
from calsreg.lifecycle.services import application_personal_data_purge, personal_data_purge_due
from calsreg.mailbox.models import MailboxMessage, MessageKind, MessageState, TriageReason
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store
from tests.billing.invoice_helpers import jst
from tests.desk.helpers import submit_application
from tests.lifecycle.helpers import OUTBOX_BACKEND, on

pytestmark = pytest.mark.django_db

SENDER = "山田 花子 <hanako.yamada@example-kensetsu.co.jp>"
SENDER_ADDRESS = "hanako.yamada@example-kensetsu.co.jp"
HANDLED = jst(2027, 1, 10, 15)
# MAILBOX_RETENTION_DAYS = 90: handled on 2027-01-10, kept to 2027-04-09, erased from 2027-04-10.
LAST_DAY_KEPT = date(2027, 4, 9)
FIRST_DAY_ERASED = date(2027, 4, 10)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    settings.MAILBOX_RETENTION_DAYS = 90


def _raw(subject: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = SENDER
    mail["To"] = "uketsuke@calsreg.example.jp"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{abs(hash(subject))}@example-kensetsu.co.jp>"
    mail.set_content(f"{subject}\n山田 花子（090-1111-2222）\n")
    return bytes(mail)


def _message(uid: int, *, state: str, kind: str, at: datetime = HANDLED, **fields: object) -> MailboxMessage:
    """A kept message as the reader leaves it: its raw bytes as evidence naming it, one audit record."""
    subject = f"お問い合わせ {uid}"
    raw = _raw(subject)
    evidence = evidence_store(
        content=raw,
        original_name=f"{subject}.eml",
        content_type="message/rfc822",
        kind=EvidenceKind.RECEIVED_MAIL,
        subject=Delivery(pk=0),  # renamed below: the row does not exist yet
        actor=Actor.system("mailbox"),
        received_at=at,
    )
    message = MailboxMessage.objects.create(
        mailbox="reception",
        uidvalidity=1,
        uid=uid,
        message_id=f"<{uid}@example-kensetsu.co.jp>",
        sha256=evidence.sha256,
        evidence=evidence,
        size_bytes=len(raw),
        arrived_at=at,
        from_address=SENDER,
        subject_line=subject,
        state=state,
        kind=kind,
        reason=f"差出人 {SENDER_ADDRESS} からのメールです。",
        recognised={"from": SENDER_ADDRESS, "applicant_name": "山田 花子", "attachments": ["申込書.xlsx"]},
        processed_at=None if state == MessageState.RECEIVED else at,
        **fields,
    )
    Evidence.objects.filter(pk=evidence.pk).update(
        subject_type=subject_type_of(message), subject_id=message.pk
    )
    audit_record(
        actor=Actor.system("mailbox"),
        action="mailbox_message.received",
        subject=message,
        at=at,
        summary="受信しました: %(subject)s",
        summary_params={"subject": subject},
        data={"from": SENDER, "subject": subject},
    )
    return message


def _own_retention_messages() -> list[MailboxMessage]:
    with on(date(2027, 1, 10)):
        return [
            _message(
                1, state=MessageState.TRIAGE, kind=MessageKind.OTHER, triage_reason=TriageReason.QUESTION
            ),
            _message(
                2,
                state=MessageState.HANDLED,
                kind=MessageKind.OTHER,
                at=jst(2026, 12, 1, 9),  # arrived long before, handled on the 10th: counted from then
                handled_at=HANDLED,
            ),
            _message(3, state=MessageState.DUPLICATE, kind=MessageKind.APPLICATION),
            _message(
                4, state=MessageState.PROCESSED, kind=MessageKind.BOUNCE, result_type="delivery", result_id=9
            ),
            _message(
                5,
                state=MessageState.TRIAGE,
                kind=MessageKind.AUTO_REPLY,
                triage_reason=TriageReason.AUTO_REPLY,
            ),
        ]


def _refusal_to_sender(message: MailboxMessage) -> Delivery:
    return Delivery.objects.create(
        kind="mailbox_workbook_refused",
        to_address=SENDER_ADDRESS,
        context={"recipient_name": "山田 花子", "problems": ["電話番号の形式"]},
        subject_type=subject_type_of(message),
        subject_id=message.pk,
        idempotency_key=f"refused:{message.pk}",
        status="sent",
        sent_at=HANDLED,
    )


def _snapshot() -> list[tuple[object, ...]]:
    return [
        (m.pk, m.state, m.from_address, m.subject_line, m.reason, m.recognised, m.evidence.purged_at)
        for m in MailboxMessage.objects.select_related("evidence").order_by("pk")
    ]


def test_nothing_is_erased_the_day_before_the_retention_period_ends(capsys):
    messages = _own_retention_messages()
    _refusal_to_sender(messages[0])
    before, audit_count = _snapshot(), AuditEvent.objects.count()

    with on(LAST_DAY_KEPT, hour=23):
        assert personal_data_purge_due() == 0
        call_command("purge_personal_data", "--dry-run")

    assert "received mail would purge=0" in capsys.readouterr().out
    assert _snapshot() == before
    assert AuditEvent.objects.count() == audit_count
    assert Delivery.objects.get().to_address == SENDER_ADDRESS
    assert all(m.evidence.file.storage.exists(m.evidence.file.name) for m in messages)


def test_every_message_due_is_a_tombstone_on_the_first_day_and_its_audit_is_kept(capsys):
    messages = _own_retention_messages()
    refusal = _refusal_to_sender(messages[0])
    files = [m.evidence.file.name for m in messages]
    with on(date(2027, 1, 10)):
        unprocessed = _message(6, state=MessageState.RECEIVED, kind=MessageKind.UNKNOWN)

    with on(FIRST_DAY_ERASED, hour=0):
        call_command("purge_personal_data", "--dry-run")
        out = capsys.readouterr().out
        assert "received mail would purge=5: duplicate=1 handled=1 processed=1 triage=2" in out
        assert personal_data_purge_due() == 5

    for message in MailboxMessage.objects.filter(pk__in=[m.pk for m in messages]).select_related("evidence"):
        assert (message.from_address, message.subject_line) == (ERASED, ERASED)
        assert message.recognised == {"from": ERASED, "applicant_name": ERASED, "attachments": [ERASED]}
        assert message.reason == f"差出人 {ERASED} からのメールです。"
        assert message.evidence.purged_at == jst(2027, 4, 10, 0)
        assert message.evidence.file.name == "" and len(message.evidence.sha256) == 64
    assert not any(messages[0].evidence.file.storage.exists(name) for name in files)
    # The tombstones keep what happened: state, kind, times, keys.
    assert list(
        MailboxMessage.objects.filter(pk__in=[m.pk for m in messages])
        .order_by("uid")
        .values_list("state", "uid")
    ) == [
        ("triage", 1),
        ("handled", 2),
        ("duplicate", 3),
        ("processed", 4),
        ("triage", 5),
    ]
    received = AuditEvent.objects.filter(action="mailbox_message.received").order_by("subject_id")
    assert [(e.data["from"], e.actor_label) for e in received[:5]] == [(ERASED, "mailbox")] * 5
    assert sorted(
        AuditEvent.objects.filter(action="mailbox_message.personal_data_purged").values_list(
            "subject_id", flat=True
        )
    ) == [m.pk for m in messages]
    refusal.refresh_from_db()
    assert (refusal.to_address, refusal.context["recipient_name"]) == (ERASED, ERASED)
    # Not processed yet: the reader still has to finish it.
    unprocessed.refresh_from_db()
    assert (unprocessed.from_address, unprocessed.evidence.purged_at) == (SENDER, None)

    with on(FIRST_DAY_ERASED, hour=12):
        assert personal_data_purge_due() == 0


def test_mail_that_became_an_application_is_kept_past_the_mail_retention_and_erased_with_it():
    with on(date(2027, 1, 10), hour=10):
        application = submit_application(applicant_email=SENDER_ADDRESS, applicant_name="山田 花子")
        message = _message(
            7,
            state=MessageState.PROCESSED,
            kind=MessageKind.APPLICATION,
            result_type=subject_type_of(Application),
            result_id=application.pk,
        )
        application = application_reject(application=application, reason="否認", actor=Actor.system("desk"))

    with on(FIRST_DAY_ERASED):
        assert personal_data_purge_due() == 0  # the application is kept 365 days: so is its mail
    message.refresh_from_db()
    assert message.from_address == SENDER

    with on(FIRST_DAY_ERASED):
        application_personal_data_purge(application=application, actor=Actor.system("desk"))

    message.refresh_from_db()
    assert (message.from_address, message.subject_line, message.state) == (ERASED, ERASED, "processed")
    assert message.evidence.purged_at is not None
    event = AuditEvent.objects.get(action="application.personal_data_purged")
    assert event.data["mailbox_messages"] == 1
    received = AuditEvent.objects.get(action="mailbox_message.received", subject_id=message.pk)
    assert received.data["from"] == ERASED
