"""The applications app keeps the contractor, applicant and billing details of a registered project:
it cleans every value again, whoever calls, and changes only a registered application."""

from __future__ import annotations

import pytest

from calsreg.applications.models import Application
from calsreg.applications.services import application_details_change
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from tests.accounts.helpers import application_in

pytestmark = pytest.mark.django_db


def _row(application: Application) -> dict:
    return Application.objects.filter(pk=application.pk).values().get()


def test_a_value_the_form_refuses_is_refused_by_the_owner_too_and_nothing_changes():
    application = application_in(status="registered")
    before = _row(application)

    with pytest.raises(ValidationFailed) as refused:
        application_details_change(
            application=application,
            values={"applicant_email": "tanaka@", "billing_address": "新潟県新潟市中央区東大通2丁目3番4号"},
            actor=Actor.system("test"),
        )

    assert [error.field for error in refused.value.errors] == ["applicant_email"]
    assert _row(application) == before
    assert not AuditEvent.objects.filter(action="registration.field_changed").exists()


def test_values_are_stored_as_the_form_normalises_them_with_each_fields_before_and_after():
    application = application_in(status="in_service")

    changed = application_details_change(
        application=application,
        values={"applicant_phone": "０９０－５５５５－６６６６", "billing_department": ""},
        actor=Actor.system("test"),
        change_request="H2026-00001",
    )

    assert changed == {"applicant_phone": ("090-1234-5678", "090-5555-6666")}
    assert _row(application)["applicant_phone"] == "090-5555-6666"
    event = AuditEvent.objects.get(action="registration.field_changed")
    assert event.data == {
        "field": "applicant_phone",
        "before": "090-1234-5678",
        "after": "090-5555-6666",
        "change_request": "H2026-00001",
    }


@pytest.mark.parametrize("status", ["submitted", "awaiting_confirmation", "confirmed", "rejected"])
def test_an_application_not_registered_is_not_changed_here(status):
    application = application_in(status=status)
    before = _row(application)

    with pytest.raises(DomainError):
        application_details_change(
            application=application, values={"applicant_phone": "090-5555-6666"}, actor=Actor.system("test")
        )

    assert _row(application) == before
