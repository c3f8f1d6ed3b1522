"""The triage services themselves: a kept mail that no longer verifies is never attached or filed,
and sending a message back to triage keeps what the handling recorded."""

from __future__ import annotations

import pytest

from calsreg.core.errors import DomainError
from calsreg.mailbox.models import MessageState
from calsreg.mailbox.triage import (
    message_attach_to_application,
    message_back_to_triage,
    message_file_as_application,
)
from calsreg.records.models import EvidenceKind
from calsreg.records.selectors import evidence_for
from calsreg.records.services import Actor
from tests.desk.helpers import submit_application
from tests.factories import UserFactory
from tests.mailbox.factories import kept_message, plain_mail
from tests.mailbox.helpers import state

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk() -> Actor:
    return Actor.staff(UserFactory(role="help_desk"))


def _tampered(message) -> None:
    with open(message.evidence.file.path, "wb") as handle:
        handle.write(b"From: someone-else@example.com\r\n\r\naltered")


def test_a_kept_mail_that_no_longer_verifies_is_not_attached_or_filed(desk):
    application = submit_application()
    message = kept_message(plain_mail())
    _tampered(message)
    before = state()

    with pytest.raises(DomainError, match="チェックサムが一致しません"):
        message_attach_to_application(
            message_id=message.pk, receipt_number=application.receipt_number, actor=desk
        )
    with pytest.raises(DomainError, match="チェックサムが一致しません"):
        message_file_as_application(message_id=message.pk, actor=desk)

    assert state() == before


def test_back_to_triage_keeps_the_attached_file_on_the_application(desk):
    application = submit_application()
    message = kept_message(plain_mail())
    message_attach_to_application(
        message_id=message.pk, receipt_number=application.receipt_number, actor=desk
    )

    message_back_to_triage(message_id=message.pk, note="別の申込だった", actor=desk)

    message.refresh_from_db()
    assert (message.state, message.result_type, message.result_id) == (MessageState.TRIAGE, "", None)
    assert evidence_for(subject=application).filter(kind=EvidenceKind.RECEIVED_MAIL).count() == 1
    # attached again, to the right one this time
    other = submit_application(project_number="R8-新潟-土木-0999")
    message_attach_to_application(message_id=message.pk, receipt_number=other.receipt_number, actor=desk)
    message.refresh_from_db()
    assert (message.state, message.result_id) == (MessageState.HANDLED, other.pk)
