"""The change-request validator: the application form's rules and messages, every problem at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from calsreg.changes.validation import validate_change
from calsreg.core.errors import ValidationFailed
from tests.accounts.helpers import started
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 10, tzinfo=dt.UTC), tick=False)


def raw(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"requester_name": "田中 一郎", "requester_phone": "090-1234-5678", "items": list(items), **extra}


def errors_of(project: Any, payload: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate_change(project=project, raw=payload)
    return {error.field: error.message for error in refused.value.errors}


def test_a_valid_request_keeps_the_registered_value_as_before_and_normalises_the_new_one() -> None:
    project, accounts = started()
    tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
    data = validate_change(
        project=project,
        raw=raw(
            {"field": "period_end", "value": "２０２７/５/３１"},
            {"field": "user.phone", "target": tanaka.username.upper(), "value": "09011112222"},
        ),
    )
    period, phone = data.items
    assert (period.before, period.after) == ("2027-03-19", "2027-05-31")
    assert phone.after == "090-1111-2222"
    assert any("半角" in notice for notice in data.notices)


def test_every_problem_is_reported_at_once_with_the_field_named() -> None:
    project, _accounts = started()
    found = errors_of(
        project,
        {
            "requester_name": "",
            "items": [
                {"field": "no_such_field", "value": "x"},
                {"field": "contract_amount", "value": "四千万"},
                {"field": "user.email", "target": "nobody.xyz", "value": "a@b.jp"},
                {"field": "applicant_phone", "value": "12"},
                {"field": "user.add", "value": {"role": "engineer", "name": "", "requested_id": "ab"}},
            ],
        },
    )
    assert "requester_name" in found
    assert found["items[1].field"] == "変更する項目を一覧から選んでください。"
    assert "円単位" in found["items[2].value"]
    assert "利用者ID" in found["items[3].target"]
    assert "電話番号" in found["items[4].value"]
    assert "items[5].value.name" in found and "items[5].value.requested_id" in found


def test_a_value_equal_to_the_registration_is_refused() -> None:
    project, _accounts = started()
    found = errors_of(project, raw({"field": "project_name", "value": project.name}))
    assert "登録内容と同じ" in found["items[1].value"]


def test_no_items_and_duplicate_items_are_refused() -> None:
    project, _accounts = started()
    assert "items" in errors_of(project, raw())
    found = errors_of(
        project, raw({"field": "project_name", "value": "A"}, {"field": "project_name", "value": "B"})
    )
    assert "同じ項目" in found["items[2].field"]


def test_the_period_rules_apply_to_the_period_as_changed() -> None:
    project, _accounts = started()
    found = errors_of(project, raw({"field": "period_end", "value": "2026-11-01"}))
    assert "工期（開始日）" in found["items[1].value"]


def test_early_end_must_fall_within_the_period_and_not_in_the_past() -> None:
    project, _accounts = started()
    assert (
        "利用終了日"
        in errors_of(project, raw({"field": "end_of_use", "value": "2027-06-01"}))["items[1].value"]
    )
    assert "items[1].value" in errors_of(project, raw({"field": "end_of_use", "value": "2026-12-01"}))
    assert validate_change(project=project, raw=raw({"field": "end_of_use", "value": "2027-01-31"})).items


def test_removing_the_last_site_agent_needs_a_replacement() -> None:
    project, accounts = started()
    agent = next(u for u in accounts if u.username.startswith("tanaka."))
    found = errors_of(project, raw({"field": "user.remove", "target": agent.username}))
    assert "現場代理人" in found["items[1].target"]
    replacement = {
        "role": "site_agent",
        "name": "佐藤 三郎",
        "kana": "サトウ サブロウ",
        "email": "sato@echigo-kensetsu.example.co.jp",
        "phone": "090-3333-4444",
        "requested_id": "sato",
    }
    data = validate_change(
        project=project, raw=raw({"field": "user.replace", "target": agent.username, "value": replacement})
    )
    assert data.items[0].after["requested_id"] == "sato"


def test_a_supervisor_from_another_office_cannot_be_added() -> None:
    project, _accounts = started()
    stranger = SupervisorFactory()  # another office
    found = errors_of(project, raw({"field": "supervisor.add", "value": stranger.pk}))
    assert "名簿" in found["items[1].value"]
    colleague = SupervisorFactory(office=project.office)
    assert validate_change(
        project=project, raw=raw({"field": "supervisor.add", "value": str(colleague.pk)})
    ).items
