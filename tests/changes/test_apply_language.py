"""What applying tells the applicant is written in the request's language, not the operator's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from calsreg.changes.models import ChangeRequest
from calsreg.changes.services import change_request_apply
from calsreg.notifications.models import Delivery
from tests.accounts.helpers import desk_actor, started
from tests.changes.callback_helpers import call_back, file_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def test_an_english_request_applied_by_a_japanese_desk_is_answered_in_english():
    project, _accounts = started()
    change = file_change(
        project,
        {"field": "end_of_use", "value": "2027-01-29"},
        {"field": "project_name", "value": "新しい工事名"},
    )
    ChangeRequest.objects.filter(pk=change.pk).update(language="en")
    desk = desk_actor()
    change.refresh_from_db()
    call_back(change, actor=desk, confirmed={1: True, 2: False})

    with translation.override("ja"):
        change_request_apply(request=change, actor=desk)

    end, name = change.items.order_by("position")
    assert end.outcome == "Set the last day of use to Fri 29 Jan 2027."
    assert name.outcome == "Not applied: it was not confirmed on the verification call."
    result = Delivery.objects.get(
        kind="change_request_result", to_address=project.application.applicant_email
    )
    assert result.language == "en"
    assert any("Last day of use (early end)" in line for line in result.context["applied"])
