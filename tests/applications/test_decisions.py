"""Return for correction (and resubmission), rejection, withdrawal."""

import re

import pytest
import time_machine
from django.utils import timezone

from calsreg.applications.models import Application, Channel, CorrectionLink
from calsreg.applications.services import (
    application_reject,
    application_resubmit,
    application_return,
    application_submit,
    application_withdraw,
    correction_link_check,
    submission_as_evidence,
)
from calsreg.applications.validation import validate_application
from calsreg.core.errors import InvalidTransition, NotFound, ValidationFailed
from calsreg.core.secrets import secret_hash
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, UserFactory, valid_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    return SupervisorFactory()


@pytest.fixture
def desk():
    return Actor.staff(UserFactory())


def _submit(raw):
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=Channel.WEB,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
    )


def _counts():
    return (
        list(Application.objects.values_list("status", flat=True)),
        Delivery.objects.count(),
        AuditEvent.objects.count(),
        CorrectionLink.objects.count(),
    )


def _token_from_returned_mail():
    """Send the returned-application mail through its send-time hook; read the token from the link
    in the message that left (the kept copies withhold it)."""
    from django.core import mail

    from calsreg.notifications.services import deliveries_send_due

    deliveries_send_due()
    body = [m for m in mail.outbox if "訂正" in m.subject][-1].body
    return re.search(r"/apply/correct/([A-Za-z0-9_-]+)/", body).group(1)


def test_return_needs_a_reason_and_changes_nothing_without_one(supervisor, desk):
    application = _submit(valid_payload(office=supervisor.office, supervisors=[supervisor]))
    before = _counts()

    with pytest.raises(ValidationFailed):
        application_return(application=application, reason="  ", actor=desk)

    assert _counts() == before


def test_returned_application_is_corrected_through_a_single_use_link_made_at_send_time(supervisor, desk):
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    application = _submit(raw)

    application_return(application=application, reason="工事番号が契約書と異なります。", actor=desk)
    application.refresh_from_db()
    (returned_mail,) = Delivery.objects.filter(kind="application_returned")
    assert application.status == "returned"
    assert application.decision_reason == "工事番号が契約書と異なります。"
    assert "correction_url" not in returned_mail.context  # the token is never stored in clear

    token = _token_from_returned_mail()
    assert CorrectionLink.objects.get().token_hash == secret_hash(token)
    assert correction_link_check(token=token) == application

    corrected = dict(raw, project_number="R8-新潟-土木-0999")
    data = validate_application(corrected, require_directory_supervisors=True)
    resubmitted = application_resubmit(
        token=token,
        data=data,
        originals=[submission_as_evidence(raw=corrected, channel="web")],
        actor=Actor.applicant(raw["applicant_email"]),
    )

    assert (resubmitted.pk, resubmitted.receipt_number) == (application.pk, application.receipt_number)
    assert (resubmitted.status, resubmitted.project_number, resubmitted.decision_reason) == (
        "submitted",
        "R8-新潟-土木-0999",
        "",
    )
    assert list(resubmitted.users.values_list("requested_id", flat=True)) == ["tanaka", "suzuki2"]
    event = AuditEvent.objects.get(action="application.resubmitted")
    assert event.data == {"changed": {"project_number": ["R8-新潟-土木-0123", "R8-新潟-土木-0999"]}}
    assert Delivery.objects.filter(kind="application_received").count() == 2
    with pytest.raises(NotFound):
        application_resubmit(token=token, data=data, originals=[], actor=Actor.applicant("x@example.jp"))


def test_expired_correction_link_is_refused(supervisor, desk, settings):
    application = _submit(valid_payload(office=supervisor.office, supervisors=[supervisor]))
    application_return(application=application, reason="訂正してください。", actor=desk)
    token = _token_from_returned_mail()

    with (
        time_machine.travel(
            timezone.now() + timezone.timedelta(days=settings.CORRECTION_LINK_DAYS, minutes=1)
        ),
        pytest.raises(NotFound),
    ):
        correction_link_check(token=token)


def test_rejection_sends_a_neutral_notice_and_flags_impersonation_for_the_desk(supervisor, desk):
    application = _submit(valid_payload(office=supervisor.office, supervisors=[supervisor]))

    application_reject(
        application=application, reason="監督員が否認", actor=desk, impersonation_suspected=True
    )

    application.refresh_from_db()
    assert (application.status, application.impersonation_suspected) == ("rejected", True)
    (notice,) = Delivery.objects.filter(kind="application_rejected")
    assert "reason" not in notice.context and "監督員が否認" not in str(notice.context)


def test_withdrawal_is_refused_once_registered_and_nothing_changes(supervisor, desk):
    application = _submit(valid_payload(office=supervisor.office, supervisors=[supervisor]))
    Application.objects.filter(pk=application.pk).update(status="registered")
    before = _counts()

    with pytest.raises(InvalidTransition):
        application_withdraw(application=application, actor=Actor.applicant("tanaka@example.jp"))

    assert _counts() == before


def test_withdrawal_of_an_open_application(supervisor):
    application = _submit(valid_payload(office=supervisor.office, supervisors=[supervisor]))

    application_withdraw(application=application, actor=Actor.applicant(application.applicant_email))

    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert (
        Delivery.objects.filter(kind="application_withdrawn", to_address=application.applicant_email).count()
        == 1
    )
