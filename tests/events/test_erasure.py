"""An anonymised account's values leave every event: on a deletion request and at the retention purge."""

from __future__ import annotations

import json

import pytest
import time_machine

from calsreg.accounts.models import User
from calsreg.accounts.services import account_personal_data_erase, project_close
from calsreg.events.models import Event
from calsreg.lifecycle.services import personal_data_purge_due
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, TANAKA, desk_actor, started
from tests.lifecycle.helpers import FIRST_DAY_PURGED, OUTBOX_BACKEND, PERSONAL_VALUES, closed_project, on

pytestmark = pytest.mark.django_db


def _events_text() -> str:
    rows = Event.objects.values_list("project_number", "account_id", "payload")
    return json.dumps(list(rows), ensure_ascii=False)


def test_a_deletion_request_leaves_only_the_anonymised_subject_in_events():
    # given tanaka's project closed, his values in many events
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=False):
        project, accounts = started()
        project_close(project=project, actor=desk_actor(), reason="工事中止")
    tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
    old_id = tanaka.username
    old_sub = str(tanaka.subject)
    assert TANAKA["email"] in _events_text()

    # when
    new_id = account_personal_data_erase(user=tanaka, actor=desk_actor())

    # then no event holds his name, kana, e-mail or old ID
    text = _events_text()
    for value in (TANAKA["name"], TANAKA["kana"], TANAKA["email"], old_id):
        assert value not in text
    last = Event.objects.order_by("-pk").first()
    assert last.type == "account.anonymised"
    assert last.account_id == new_id
    assert last.payload == {
        "account": {
            "account_id": new_id,
            "sub": old_sub,
            "state": "closed",
        }
    }
    # and the old sub is in the anonymised event only: the earlier ones and the account have a new one
    new_sub = str(User.objects.get(pk=tanaka.pk).subject)
    assert new_sub != old_sub
    assert [e.type for e in Event.objects.all() if old_sub in json.dumps(e.payload)] == ["account.anonymised"]
    assert {
        e.payload.get("account", e.payload.get("membership"))["sub"]
        for e in Event.objects.filter(account_id=new_id).exclude(type="account.anonymised")
    } == {new_sub}
    assert User.objects.filter(subject=old_sub).count() == 0
    # and the earlier events still tell the story, by the new ID
    assert list(Event.objects.filter(account_id=new_id).order_by("pk").values_list("type", flat=True)) == [
        "account.issued",
        "membership.added",
        "account.activated",
        "account.closed",
        "account.anonymised",
    ]


def test_the_retention_purge_leaves_no_personal_value_in_events(settings):
    # given a project's whole life (a contact change included), closed and past retention
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    life = closed_project()
    assert any(value in _events_text() for value in PERSONAL_VALUES)

    # when
    with on(FIRST_DAY_PURGED):
        assert personal_data_purge_due() == 1

    # then
    text = _events_text()
    assert [value for value in PERSONAL_VALUES if value in text] == []
    assert [old for old in life.old_account_ids if old in text] == []
    assert Event.objects.filter(type="account.anonymised").count() == len(life.old_account_ids)
