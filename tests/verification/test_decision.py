"""Confirmed needs both channels; registration is impossible before (security invariant 2)."""

from __future__ import annotations

import pytest

from calsreg.accounts.models import Project
from calsreg.accounts.services import project_register
from calsreg.applications.services import application_resubmit, application_return
from calsreg.applications.validation import validate_application
from calsreg.core.errors import InvalidTransition
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.services import (
    call_record,
    confirmation_answer_by_link,
    confirmation_reply_record,
    confirmation_request_send,
)
from tests.factories import SupervisorFactory, valid_payload
from tests.verification.helpers import awaiting_application, deliver, reply_eml, token_for

pytestmark = pytest.mark.django_db


def _link_confirm(supervisor) -> None:
    confirmation_answer_by_link(token=token_for(supervisor.email, deliver()), answer="confirmed", reason="")


def test_a_positive_answer_alone_keeps_it_waiting_and_registration_is_refused(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    _link_confirm(supervisor)

    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"
    with pytest.raises(InvalidTransition):
        project_register(application=application, actor=desk)
    assert Project.objects.count() == 0


def test_a_positive_call_alone_keeps_it_waiting_and_registration_is_refused(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)

    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"
    with pytest.raises(InvalidTransition):
        project_register(application=application, actor=desk)
    assert Project.objects.count() == 0


def test_link_answer_and_call_confirm_it(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    _link_confirm(supervisor)
    call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)

    application.refresh_from_db()
    assert application.status == "confirmed"
    event = AuditEvent.objects.get(action="application.confirmed")
    assert event.summary_display == "監督員の回答と電話確認がそろったため、申込を確認済みにしました。"


def test_call_first_then_mail_reply_confirms_it_even_from_another_directory_supervisor(desk, supervisor):
    colleague = SupervisorFactory(office=supervisor.office)
    application = awaiting_application(desk=desk, supervisor=supervisor)
    application.supervisors.add(colleague)
    call_record(application=application, supervisor=colleague, outcome="confirmed", note="", actor=desk)
    request = ConfirmationRequest.objects.get(application=application, supervisor=supervisor)

    confirmation_reply_record(
        request=request, eml=reply_eml(sender=supervisor.email), answer="confirmed", reason="", actor=desk
    )

    application.refresh_from_db()
    assert application.status == "confirmed"


def test_no_answer_call_does_not_count_as_positive(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    _link_confirm(supervisor)
    call_record(application=application, supervisor=supervisor, outcome="no_answer", note="", actor=desk)
    call_record(application=application, supervisor=supervisor, outcome="wrong_person", note="", actor=desk)

    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"


def test_answers_before_a_correction_do_not_count_after_resubmission(desk, supervisor):
    # given: confirmed by link, then returned for correction and resubmitted with other content
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    application = awaiting_application(desk=desk, supervisor=supervisor)
    _link_confirm(supervisor)
    application_return(application=application, reason="工事番号の誤り", actor=desk)
    correction_token = _correction_token()
    corrected = dict(raw, project_number="R8-新潟-土木-0999")
    application_resubmit(
        token=correction_token,
        data=validate_application(corrected, require_directory_supervisors=True),
        originals=[],
        actor=Actor.applicant(raw["applicant_email"]),
    )
    confirmation_request_send(application=application, actor=desk)

    # when: only a call comes in for the new content
    call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)

    # then: the old link answer does not count
    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"


def _correction_token() -> str:
    import re

    body = [m for m in deliver() if "訂正" in m.subject][-1].body
    return re.search(r"/apply/correct/([A-Za-z0-9_-]+)/", body).group(1)
