"""A change form (変更申込書) received by mail: filed for the project it names, notices only to the
addresses on file; a closed or unknown project refused with nothing filed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from calsreg.accounts.models import ProjectStatus
from calsreg.changes.models import ChangeChannel, ChangeRequest
from calsreg.mailbox.models import MessageKind, MessageState, TriageReason
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from tests.applications.files.workbooks import cell_by_name, edited, filled
from tests.changes.test_excel import project_with_people
from tests.mailbox import mails

pytestmark = pytest.mark.django_db

FORGER = "someone@freemail.example.com"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def change_workbook():
    from calsreg.changes.excel import change_workbook_build

    project, tanaka, *_rest = project_with_people()
    content = filled(
        change_workbook_build(project=project, requester=tanaka), {"C_period_end": dt.date(2027, 5, 31)}
    )
    return project, content


def test_a_change_form_is_filed_for_its_project_with_notices_only_to_addresses_on_file():
    project, content = change_workbook()
    on_file = {project.application.applicant_email}

    message = mails.processed(mails.change_mail(content, sender=FORGER))

    change = ChangeRequest.objects.get()
    assert (message.state, message.kind) == (MessageState.PROCESSED, MessageKind.CHANGE_FORM)
    assert (message.result_type, message.result_id) == ("changerequest", change.pk)
    assert (change.project_id, change.channel) == (project.pk, ChangeChannel.MAIL)
    assert change.form_evidence.file.read() == content
    kept = Evidence.objects.filter(subject_type="changerequest", subject_id=change.pk).order_by("pk")
    assert [e.kind for e in kept] == [EvidenceKind.CHANGE_FORM, EvidenceKind.RECEIVED_MAIL]
    recipients = set(Delivery.objects.values_list("to_address", flat=True))
    assert FORGER not in recipients
    assert on_file <= recipients


def _unchanged():
    return (
        ChangeRequest.objects.count(),
        AuditEvent.objects.exclude(action__startswith="mailbox").count(),
        Delivery.objects.exclude(kind="mailbox_workbook_refused").count(),
    )


def test_a_change_form_for_a_closed_project_is_refused_and_nothing_is_filed():
    project, content = change_workbook()
    type(project).objects.filter(pk=project.pk).update(status=ProjectStatus.CLOSED)
    before = _unchanged()

    message = mails.processed(mails.change_mail(content))

    assert (message.state, message.kind, message.triage_reason) == (
        MessageState.TRIAGE,
        MessageKind.CHANGE_FORM,
        TriageReason.WORKBOOK_REFUSED,
    )
    assert message.recognised["problems"][0]["message"] == (
        "利用を終了した工事の変更は受け付けられません。ヘルプデスクへご連絡ください。"
    )
    assert _unchanged() == before


def test_a_change_form_naming_an_unknown_project_is_refused_and_the_replies_are_rate_limited():
    _project, content = change_workbook()
    forged = edited(
        content, lambda workbook: setattr(cell_by_name(workbook, "CHANGE_PROJECT_ID"), "value", 99999)
    )
    before = _unchanged()

    replies = [
        mails.processed(mails.change_mail(forged, message_id=f"<c{n}@x.example>")).recognised["reply"]
        for n in range(4)
    ]

    assert replies == ["sent", "sent", "sent", "rate_limited"]
    message = mails.processed(mails.change_mail(forged, message_id="<c9@x.example>"))
    assert "が見つかりません" in message.recognised["problems"][0]["message"]
    assert _unchanged() == before
    assert Delivery.objects.filter(kind="mailbox_workbook_refused").count() == 3
