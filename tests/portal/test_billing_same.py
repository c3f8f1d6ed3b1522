"""「受注者（会社）と同じ」 on the apply form: the server copies the contractor's name, postcode, address
and phone to the billing address when the box is checked (the form works without JavaScript)."""

import pytest
from django.test import Client

from calsreg.applications.models import Application
from tests.factories import SupervisorFactory
from tests.portal.helpers import form_post

pytestmark = pytest.mark.django_db

BILLING_BLANK = {"billing_addressee": "", "billing_postcode": "", "billing_address": "", "billing_phone": ""}
CONTRACTOR = {
    "contractor_name": "株式会社佐渡工業",
    "contractor_postcode": "952-1209",
    "contractor_address": "新潟県佐渡市千種1番地",
    "contractor_phone": "0259-63-1111",
}


def _billing(application):
    return (
        application.billing_addressee,
        application.billing_postcode,
        application.billing_address,
        application.billing_phone,
    )


def test_a_checked_box_sends_the_contractor_s_address_as_the_billing_address():
    supervisor = SupervisorFactory()
    body = form_post(for_office=supervisor.office, supervisors=[supervisor], **CONTRACTOR, **BILLING_BLANK)
    body["billing_same_as_contractor"] = "1"

    response = Client().post("/apply/", body)

    assert response.status_code == 302
    application = Application.objects.get()
    assert _billing(application) == ("株式会社佐渡工業", "952-1209", "新潟県佐渡市千種1番地", "0259-63-1111")
    assert application.billing_department == "工事部"  # typed on its own, kept


def test_a_checked_box_wins_over_billing_values_typed_before_checking_it():
    supervisor = SupervisorFactory()
    body = form_post(
        for_office=supervisor.office,
        supervisors=[supervisor],
        **CONTRACTOR,
        billing_address="新潟県新潟市中央区別の住所1番地",
    )
    body["billing_same_as_contractor"] = "1"

    Client().post("/apply/", body)

    assert Application.objects.get().billing_address == "新潟県佐渡市千種1番地"


def test_without_the_box_the_billing_address_is_what_was_typed():
    supervisor = SupervisorFactory()
    body = form_post(
        for_office=supervisor.office,
        supervisors=[supervisor],
        **CONTRACTOR,
        billing_address="新潟県新潟市中央区別の住所1番地",
    )

    Client().post("/apply/", body)

    assert Application.objects.get().billing_address == "新潟県新潟市中央区別の住所1番地"


def test_a_form_re_shown_with_errors_keeps_the_box_checked_and_the_copied_values():
    supervisor = SupervisorFactory()
    body = form_post(
        for_office=supervisor.office, supervisors=[supervisor], **CONTRACTOR, **BILLING_BLANK, project_name=""
    )
    body["billing_same_as_contractor"] = "1"

    response = Client().post("/apply/", body)

    assert response.status_code == 422
    page = response.content.decode()
    assert 'name="billing_same_as_contractor" value="1"' in page
    assert 'aria-describedby="billing_same_as_contractor-help" checked>' in page
    assert 'id="billing_address" name="billing_address" type="text" value="新潟県佐渡市千種1番地"' in page
    assert Application.objects.count() == 0
