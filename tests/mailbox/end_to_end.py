"""The world the end-to-end mailbox tests start from, made through the real services: an application
awaiting its supervisor's confirmation whose confirmation mail and acknowledgment left through the
real SMTP test server (so their deliveries carry the Message-ID the server saw), and a project in use
that a change form can name. Then the six mails of the help desk's day, as exact bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine

from calsreg.accounts.models import Project, Role
from calsreg.applications.models import Application
from calsreg.mailbox.models import MailboxMessage
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest, UnlistedSenderReply
from tests.desk.helpers import JST, filled_workbook
from tests.factories import SupervisorFactory, UserFactory
from tests.mailbox import mails
from tests.verification.helpers import awaiting_application

# Inside the period of the forms built below (works from 2026-12-01 to 2027-03-19), so that both an
# application and a change form are accepted on the same day.
DAY = dt.datetime(2026, 12, 10, 10, 0, tzinfo=JST)
DIRECTORY = "yamada.n@office.example.pref-niigata.jp"
FORM_ADDRESS = "shinano.k@echigo-kensetsu.example.jp"  # the applicant's address written on the form
SENDER = mails.APPLICANT  # the address the form was mailed from: not the one on the form
STRANGER = "someone@freemail.example.com"
ATTACKER = "yamada.naoki@freemail.example.com"
CONFIRM_BODY = "お世話になっております。\n確認しました\n\n山田\n\n" + mails.QUOTED_TEMPLATE


@dataclass
class Scene:
    desk_user: Any
    desk: Actor
    supervisor: Any
    awaiting: Application
    confirmation: Delivery  # the confirmation mail sent to the directory address
    acknowledgment: Delivery  # the awaiting application's acknowledgment, sent to its applicant
    project: Project
    change_workbook: bytes
    mails: dict[str, bytes] = field(default_factory=dict)


def scene_build() -> Scene:
    """The awaiting application and the project in use, every pending mail sent through SMTP."""
    desk_user = UserFactory(role=Role.HELP_DESK, username="helpdesk1")
    desk = Actor.staff(desk_user)
    supervisor = SupervisorFactory(name="山田 直樹", email=DIRECTORY, phone="025-280-8101")
    awaiting = awaiting_application(desk=desk, supervisor=supervisor)
    project, change_workbook = _change_form()
    deliveries_send_due()
    request = ConfirmationRequest.objects.get(application=awaiting)
    confirmation = Delivery.objects.get(idempotency_key=f"confirmation_request:{request.pk}")
    acknowledgment = Delivery.objects.get(
        kind="application_received", to_address=awaiting.applicant_email, message_id__gt=""
    )
    assert confirmation.message_id and confirmation.status == "sent"
    return Scene(
        desk_user, desk, supervisor, awaiting, confirmation, acknowledgment, project, change_workbook
    )


def awaiting_twin(scene: Scene) -> Application:
    """Another application awaiting the same supervisor, its confirmation mail sent."""
    twin = awaiting_application(
        desk=scene.desk, supervisor=scene.supervisor, project_number="R8-新潟-土木-0999"
    )
    deliveries_send_due()
    return twin


def _change_form() -> tuple[Project, bytes]:
    from calsreg.changes.excel import change_workbook_build
    from tests.applications.files.workbooks import filled
    from tests.changes.test_excel import project_with_people

    project, requester, *_rest = project_with_people()
    content = filled(
        change_workbook_build(project=project, requester=requester), {"C_period_end": dt.date(2027, 5, 31)}
    )
    return project, content


def application_workbook(scene: Scene, **values: Any) -> bytes:
    values.setdefault("F_applicant_email", FORM_ADDRESS)
    values.setdefault("F_project_number", "R8-長岡-土木-0077")
    return filled_workbook(office=scene.supervisor.office, **values)


def day_mails(scene: Scene) -> dict[str, bytes]:
    """The six mails of the day, in the order they reach the mailbox."""
    return {
        "application": mails.application_mail(
            application_workbook(scene),
            sender=f"越後 花子 <{SENDER}>",
            message_id="<app-1@echigo.example.jp>",
        ),
        "reply": mails.reply_mail(
            sender=f"山田 直樹 <{DIRECTORY}>",
            body=CONFIRM_BODY,
            in_reply_to=scene.confirmation.message_id,
            message_id="<reply-1@office.example.pref-niigata.jp>",
        ),
        "change": mails.change_mail(
            scene.change_workbook, sender=STRANGER, message_id="<change-1@freemail.example.com>"
        ),
        "question": mails.mail(
            subject="申込書の書き方",
            body="申込書の工期欄の書き方を教えてください。",
            message_id="<question-1@echigo.example.jp>",
        ),
        "out_of_office": mails.mail(
            sender=f"山田 直樹 <{DIRECTORY}>",
            subject="不在のお知らせ",
            body="12月20日まで不在にしております。",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": scene.confirmation.message_id},
            message_id="<ooo-1@office.example.pref-niigata.jp>",
        ),
        "bounce": mails.dsn_mail(
            returned_message_id=scene.acknowledgment.message_id, recipient=scene.acknowledgment.to_address
        ),
    }


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def counts() -> dict[str, int]:
    """Every row a repeated message could add."""
    from calsreg.changes.models import ChangeRequest

    return {
        "messages": MailboxMessage.objects.count(),
        "applications": Application.objects.count(),
        "answered": ConfirmationRequest.objects.filter(answered_at__isnull=False).count(),
        "unlisted": UnlistedSenderReply.objects.count(),
        "changes": ChangeRequest.objects.count(),
        "deliveries": Delivery.objects.count(),
        "evidence": Evidence.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def attachment_of(raw: bytes) -> bytes:
    """The one attachment of a mail, decoded."""
    from email import message_from_bytes
    from email.policy import default

    (part,) = message_from_bytes(raw, policy=default).iter_attachments()
    return part.get_content()


def kept_bytes(holder: Any) -> bytes:
    """The bytes of the evidence ``holder`` (a kept message, an unlisted reply) points at."""
    with holder.evidence.file.open("rb") as handle:
        return handle.read()


def storm_mails(scene: Scene, count: int) -> tuple[list[bytes], dict[str, int]]:
    """``count`` different mails, one in twenty of each special kind, the rest questions; with how
    many of each kind are in it."""
    workbook = application_workbook(scene)
    raws: list[bytes] = []
    kinds = {"application": 0, "auto_reply": 0, "bounce": 0, "unclear_reply": 0, "question": 0}
    for number in range(count):
        message_id = f"<storm-{number}@example.jp>"
        slot = number % 20
        if slot == 0:
            kind, raw = "application", mails.application_mail(workbook, message_id=message_id)
        elif slot == 5:
            kind, raw = (
                "auto_reply",
                mails.mail(
                    subject=f"不在のお知らせ {number}",
                    headers={"Auto-Submitted": "auto-replied"},
                    message_id=message_id,
                ),
            )
        elif slot == 10:
            kind, raw = (
                "bounce",
                mails.dsn_mail(
                    returned_message_id=f"<gone-{number}@elsewhere.example>", recipient="nobody@example.jp"
                ).replace(b"<dsn-1@mx.example.jp>", message_id.encode()),
            )
        elif slot == 15:
            kind, raw = (
                "unclear_reply",
                mails.reply_mail(
                    sender=DIRECTORY,
                    body=f"ご連絡ありがとうございます。（{number}）",
                    in_reply_to=scene.confirmation.message_id,
                    message_id=message_id,
                ),
            )
        else:
            kind, raw = (
                "question",
                mails.mail(
                    subject=f"問い合わせ {number}", body=f"質問です（{number}）。", message_id=message_id
                ),
            )
        kinds[kind] += 1
        raws.append(raw)
    return raws, kinds


# Fixtures of the end-to-end tests (imported by their modules).


@pytest.fixture(autouse=True)
def on_the_day():
    with time_machine.travel(DAY, tick=True):
        yield


@pytest.fixture
def scene(db, smtp_server):
    return scene_build()


@pytest.fixture
def day(scene, imap_mailbox):
    """The day's six mails appended to the mailbox (not read yet)."""
    scene.mails = day_mails(scene)
    imap_mailbox.append_many(list(scene.mails.values()))
    return scene


def rows() -> list[MailboxMessage]:
    """The kept messages in the order they reached the mailbox."""
    return list(MailboxMessage.objects.select_related("evidence").order_by("uid"))
