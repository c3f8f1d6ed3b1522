"""The desk's diff reads the project's accounts once, however many items name an account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calsreg.changes.models import ChangeRequest
from calsreg.changes.selectors import diff_rows
from tests.accounts.helpers import started
from tests.changes.callback_helpers import file_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _during_the_works(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def queries_for_diff(change: ChangeRequest) -> int:
    change = ChangeRequest.objects.select_related("project__application").get(pk=change.pk)
    with CaptureQueriesContext(connection) as captured:
        rows = diff_rows(change)
    assert all(row.current == row.before for row in rows)  # nothing changed since filing
    return len(captured)


def test_the_diff_costs_the_same_queries_for_one_or_many_account_items():
    project, accounts = started()
    one = file_change(
        project, {"field": "user.phone", "target": accounts[0].username, "value": "090-1111-2222"}
    )
    many = file_change(
        project,
        *(
            {"field": f"user.{field}", "target": user.username, "value": value}
            for user in accounts[:2]
            for field, value in (("phone", "090-3333-4444"), ("email", "new@example.jp"), ("name", "新 氏名"))
        ),
    )

    assert queries_for_diff(one) == queries_for_diff(many)
