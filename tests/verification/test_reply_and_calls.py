"""A reply received by mail (kept as evidence, sender checked) and the desk's phone calls."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from calsreg.core.errors import InvalidTransition, UploadRefused, ValidationFailed
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import evidence_verify
from calsreg.verification.models import ConfirmationRequest, PhoneCall
from calsreg.verification.services import call_record, confirmation_reply_record, confirmation_request_send
from tests.desk.helpers import submit_application
from tests.factories import SupervisorFactory
from tests.verification.helpers import awaiting_application, deliver, reply_eml, state

pytestmark = pytest.mark.django_db


def test_reply_is_kept_as_evidence_and_linked(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    eml = reply_eml(sender="Yamada.N@office.example.pref-niigata.jp")

    recorded = confirmation_reply_record(
        request=request, eml=eml, answer="confirmed", reason="", actor=desk, filename="返信.eml"
    ).request

    evidence = Evidence.objects.get(kind="supervisor_reply")
    assert (evidence.subject_type, evidence.subject_id) == ("application", application.pk)
    assert (evidence.content_type, evidence.original_name, evidence.size_bytes) == (
        "message/rfc822",
        "返信.eml",
        len(eml),
    )
    assert evidence_verify(evidence=evidence).ok
    assert (recorded.reply_evidence_id, recorded.answer, recorded.answer_channel) == (
        evidence.pk,
        "confirmed",
        "mail",
    )
    # The address's case is not a different sender.
    assert (recorded.reply_from, recorded.sender_mismatch) == (
        "Yamada.N@office.example.pref-niigata.jp",
        False,
    )
    event = AuditEvent.objects.get(action="confirmation.answered")
    assert event.data["evidence_id"] == evidence.pk


def test_reply_from_another_address_is_kept_but_answers_nothing(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)

    recorded = confirmation_reply_record(
        request=request,
        eml=reply_eml(sender="yamada.private@gmail.example.com"),
        answer="confirmed",
        reason="",
        actor=desk,
    )

    assert recorded.counted is False
    assert (recorded.request.is_open, recorded.unlisted.sender) == (
        True,
        "監督 員 <yamada.private@gmail.example.com>",
    )
    event = AuditEvent.objects.get(action="confirmation.reply_not_counted")
    assert (event.data["from"], event.data["directory_address"], event.data["stated_answer"]) == (
        "監督 員 <yamada.private@gmail.example.com>",
        supervisor.email,
        "confirmed",
    )
    assert not AuditEvent.objects.filter(action="confirmation.answered").exists()


def test_reply_denial_rejects_as_suspected_impersonation(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)

    confirmation_reply_record(
        request=request,
        eml=reply_eml(sender=supervisor.email),
        answer="denied",
        reason="心当たりなし",
        actor=desk,
    )

    application.refresh_from_db()
    assert (application.status, application.impersonation_suspected) == ("rejected", True)
    assert "返信メールで申込を否認" in application.decision_reason


def test_unreadable_reply_is_refused_and_nothing_changes(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    request = ConfirmationRequest.objects.get(application=application)
    before = state()

    with pytest.raises(UploadRefused):
        confirmation_reply_record(
            request=request, eml=b"not a mail", answer="confirmed", reason="", actor=desk
        )

    assert state() == before


def test_reply_for_a_closed_request_is_refused(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    old = ConfirmationRequest.objects.get(application=application)
    confirmation_request_send(application=application, actor=desk)  # supersedes ``old``
    before = state()

    with pytest.raises(InvalidTransition):
        confirmation_reply_record(
            request=old, eml=reply_eml(sender=supervisor.email), answer="confirmed", reason="", actor=desk
        )

    assert state() == before


def test_call_copies_the_directory_number(desk, supervisor, desk_user):
    application = awaiting_application(desk=desk, supervisor=supervisor)

    call = call_record(
        application=application, supervisor=supervisor, outcome="no_answer", note="留守電", actor=desk
    )

    assert (call.phone_number, call.called_by_id, call.outcome) == ("025-280-8101", desk_user.pk, "no_answer")
    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"
    event = AuditEvent.objects.get(action="confirmation.call_recorded")
    assert event.summary_display == "監督員 山田 直樹 へ電話しましたが、応答がありませんでした。"


def test_several_calls_and_a_wrong_person_keep_it_waiting(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)

    for outcome in ("no_answer", "wrong_person", "no_answer"):
        call_record(application=application, supervisor=supervisor, outcome=outcome, note="", actor=desk)

    application.refresh_from_db()
    assert application.status == "awaiting_confirmation"
    assert PhoneCall.objects.filter(application=application).count() == 3


def test_call_to_someone_not_in_the_applications_directory_is_refused(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    stranger = SupervisorFactory()  # another office
    colleague = SupervisorFactory(office=supervisor.office)  # same office, not on this application
    before = state()

    for other in (stranger, colleague):
        with pytest.raises(ValidationFailed) as refused:
            call_record(application=application, supervisor=other, outcome="confirmed", note="", actor=desk)
        assert refused.value.errors[0].field == "supervisor"

    assert state() == before


@pytest.mark.parametrize(
    ("outcome", "note", "called_at", "field"),
    [
        ("denied", "", None, "note"),
        ("maybe", "", None, "outcome"),
        ("confirmed", "", "future", "called_at"),
        ("confirmed", "", "before_submission", "called_at"),
    ],
)
def test_call_input_is_checked_and_nothing_changes(desk, supervisor, outcome, note, called_at, field):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    when = {
        None: None,
        "future": timezone.now() + dt.timedelta(hours=1),
        "before_submission": application.submitted_at - dt.timedelta(minutes=1),
    }[called_at]
    before = state()

    with pytest.raises(ValidationFailed) as refused:
        call_record(
            application=application,
            supervisor=supervisor,
            outcome=outcome,
            note=note,
            actor=desk,
            called_at=when,
        )

    assert [error.field for error in refused.value.errors] == [field]
    assert state() == before


def test_call_before_the_mail_is_refused(desk, supervisor):
    application = submit_application(supervisor=supervisor)
    before = state()

    with pytest.raises(InvalidTransition):
        call_record(application=application, supervisor=supervisor, outcome="confirmed", note="", actor=desk)

    assert state() == before


def test_denied_call_rejects_with_the_flag_and_a_neutral_notice(desk, supervisor):
    application = awaiting_application(desk=desk, supervisor=supervisor)
    deliver()

    call_record(
        application=application,
        supervisor=supervisor,
        outcome="denied",
        note="そのような申込は知らない",
        actor=desk,
    )

    application.refresh_from_db()
    assert (application.status, application.impersonation_suspected) == ("rejected", True)
    assert application.decision_reason == (
        "なりすましの疑い: 監督員 山田 直樹（名簿）が電話で申込を否認しました。メモ: そのような申込は知らない"
    )
    (notice,) = [m for m in deliver() if m.to == [application.applicant_email]]
    for word in ("否認", "なりすまし", "監督員", "知らない"):
        assert word not in notice.body
