"""application_submit: one atomic write with its originals, audit event and acknowledgment."""

import json
import re

import pytest
from django.db import transaction
from django.utils import timezone

from calsreg.applications.models import Application, ApplicationUser, Channel
from calsreg.applications.services import application_submit, submission_as_evidence
from calsreg.applications.validation import validate_application
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from tests.factories import SupervisorFactory, valid_payload

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    return SupervisorFactory()


def _submit(raw, channel=Channel.WEB):
    data = validate_application(raw, require_directory_supervisors=True)
    return application_submit(
        data=data,
        channel=channel,
        actor=Actor.applicant(raw["applicant_email"]),
        originals=[submission_as_evidence(raw=raw, channel=channel)],
    )


def test_submit_stores_values_users_supervisors_evidence_audit_and_one_acknowledgment(supervisor):
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])

    application = _submit(raw)

    application.refresh_from_db()
    assert application.status == "submitted"
    assert re.fullmatch(
        rf"A{timezone.localtime(application.submitted_at).year}-\d{{5}}", application.receipt_number
    )
    assert (application.project_name, application.contract_amount) == ("信濃川護岸設置工事", 48_400_000)
    assert list(application.supervisors.all()) == [supervisor]
    assert list(application.users.values_list("position", "requested_id", "role")) == [
        (1, "tanaka", "site_agent"),
        (2, "suzuki2", "engineer"),
    ]
    (evidence,) = Evidence.objects.filter(subject_type="application", subject_id=application.pk)
    with evidence.file.open("rb") as handle:
        assert json.loads(handle.read()) == json.loads(json.dumps(raw))
    assert list(AuditEvent.objects.filter(subject_id=application.pk).values_list("action", flat=True)) == [
        "application.submitted"
    ]
    (delivery,) = Delivery.objects.all()
    assert (delivery.kind, delivery.to_address) == (
        "application_received",
        "tanaka@echigo-kensetsu.example.co.jp",
    )
    assert delivery.context["receipt_number"] == application.receipt_number


def test_receipt_numbers_are_sequential_and_a_rolled_back_submission_gives_its_number_back(supervisor):
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    first = _submit(raw)
    with pytest.raises(RuntimeError), transaction.atomic():
        _submit(raw)
        raise RuntimeError("rolled back")
    second = _submit(raw)

    first_n, second_n = int(first.receipt_number[-5:]), int(second.receipt_number[-5:])
    assert second_n == first_n + 1
    assert Application.objects.count() == 2
    assert Delivery.objects.count() == 2


def test_second_application_for_same_office_project_and_company_is_flagged_as_duplicate(supervisor):
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    first = _submit(raw)

    spaced = valid_payload(
        office=supervisor.office, supervisors=[supervisor], contractor_name="株式会社 越後建設"
    )
    second = _submit(spaced)
    other_project = _submit(
        valid_payload(office=supervisor.office, supervisors=[supervisor], project_number="X-1")
    )

    assert first.duplicate_of is None
    assert second.duplicate_of == first
    assert other_project.duplicate_of is None


def test_withdrawn_application_is_not_a_duplicate(supervisor):
    raw = valid_payload(office=supervisor.office, supervisors=[supervisor])
    first = _submit(raw)
    Application.objects.filter(pk=first.pk).update(status="withdrawn")

    assert _submit(raw).duplicate_of is None


def test_database_refuses_an_id_of_the_wrong_shape_even_past_the_validator(supervisor):
    application = _submit(valid_payload(office=supervisor.office, supervisors=[supervisor]))

    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - IntegrityError differs per backend
        ApplicationUser.objects.create(
            application=application,
            position=9,
            role="engineer",
            name="x",
            kana="エックス",
            email="x@example.jp",
            phone="090-0000-0000",
            requested_id="bad.id",
        )
    assert application.users.count() == 2
