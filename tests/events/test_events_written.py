"""Each change a subscribing service must mirror writes its event in the change's own transaction."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Membership, User
from calsreg.accounts.services import (
    account_contact_correct,
    project_close,
    project_details_change,
    project_reinstate,
    project_suspend,
    project_user_add,
    project_user_remove,
)
from calsreg.accounts.services.events import account_sub
from calsreg.events.models import Event, WebhookDelivery
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, SUZUKI, TANAKA, desk_actor, registered, started
from tests.events.helpers import Receiver, event_types, free_port, subscriber_for

pytestmark = pytest.mark.django_db

SATO = {
    "role": "engineer",
    "name": "佐藤 三郎",
    "kana": "サトウ サブロウ",
    "email": "sato@echigo-kensetsu.example.co.jp",
    "phone": "070-1111-2222",
    "requested_id": "sato",
}


@pytest.fixture(autouse=True)
def _in_the_period():
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=False):
        yield


@pytest.fixture(autouse=True)
def _loopback_http(settings):
    settings.EVENTS_WEBHOOK_ALLOW_HTTP_LOOPBACK = True


def _last_event_id() -> int:
    """The cursor before the change (ids keep counting across tests on PostgreSQL, so not a count)."""
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _suspend(project):
    return project_suspend(
        project=project,
        actor=desk_actor(),
        at=A_DAY_OF_THE_PERIOD,
        summary="test",
        summary_params={},
        data={},
    )


def test_registration_writes_the_project_then_each_account_and_membership():
    # when
    project, accounts = registered()

    # then
    supervisor = next(u for u in accounts if u.role == "supervisor")
    tanaka, suzuki = (u for u in accounts if u.role == "contractor")
    assert event_types() == [
        "project.registered",
        "account.issued",
        "membership.added",
        "account.issued",
        "membership.added",
        "account.issued",
        "membership.added",
    ]
    first = Event.objects.order_by("pk").first()
    assert first.project_number == project.project_number
    assert first.payload == {
        "project": {
            "number": project.project_number,
            "name": "信濃川護岸設置工事",
            "office": {"code": project.office.code, "name": project.office.name},
            "state": "provisioned",
            "service_start": None,
            "service_end": "2027-03-19",
        }
    }
    issued = Event.objects.filter(type="account.issued").order_by("pk")
    assert [e.account_id for e in issued] == [tanaka.username, suzuki.username, supervisor.username]
    assert issued[0].payload == {
        "account": {
            "account_id": tanaka.username,
            "sub": account_sub(tanaka),
            "kind": "contractor",
            "name": TANAKA["name"],
            "kana": TANAKA["kana"],
            "email": TANAKA["email"],
            "state": "issued",
        }
    }
    added = Event.objects.filter(type="membership.added").order_by("pk")
    assert added[0].payload == {
        "membership": {
            "project_number": project.project_number,
            "account_id": tanaka.username,
            "sub": account_sub(tanaka),
            "role": "site_agent",
        }
    }


def test_no_event_carries_a_password_or_a_phone_number():
    # when
    _project, _accounts = started()

    # then
    text = str(list(Event.objects.values_list("payload", flat=True)))
    assert TANAKA["phone"] not in text and SUZUKI["phone"] not in text
    assert "password" not in text
    for user in User.objects.filter(role="contractor"):
        assert user.password not in text


def test_start_of_use_writes_started_then_each_account_activated():
    # given
    project, _accounts = registered()
    before = _last_event_id()

    # when
    _started_project, accounts = _start(project)

    # then
    after = list(Event.objects.filter(pk__gt=before).order_by("pk"))
    assert [e.type for e in after] == ["project.started", *["account.activated"] * 3]
    assert after[0].payload["project"]["state"] == "active"
    assert after[0].payload["project"]["service_start"] == "2026-12-07"
    assert {e.account_id for e in after[1:]} == {u.username for u in accounts}
    assert all(e.payload["account"]["state"] == "active" for e in after[1:])


def _start(project):
    from calsreg.accounts.selectors import project_accounts
    from calsreg.accounts.services import project_start_use

    project = project_start_use(project=project, actor=desk_actor())
    return project, list(project_accounts(project=project))


def test_suspension_and_reinstatement_each_write_one_project_event():
    # given
    project, _accounts = started()
    before = _last_event_id()

    # when
    _suspend(project)
    project_reinstate(
        project=project,
        actor=desk_actor(),
        at=A_DAY_OF_THE_PERIOD,
        summary="test",
        summary_params={},
        data={},
    )

    # then
    after = list(Event.objects.filter(pk__gt=before).order_by("pk"))
    assert [(e.type, e.payload["project"]["state"]) for e in after] == [
        ("project.suspended", "suspended"),
        ("project.reinstated", "active"),
    ]


def test_details_change_writes_the_changed_keys_and_the_new_values():
    # given
    project, _accounts = started()
    before = _last_event_id()

    # when
    project_details_change(
        project=project,
        values={"project_name": "信濃川護岸改良工事", "period_end": "2027-03-26"},
        actor=desk_actor(),
    )

    # then
    event = Event.objects.get(pk__gt=before)
    assert event.type == "project.details_changed"
    assert event.payload["changed"] == ["period_end", "project_name"]
    assert event.payload["project"]["name"] == "信濃川護岸改良工事"
    assert event.payload["project"]["service_end"] == "2027-03-26"


def test_contact_change_of_name_and_email_writes_account_changed_and_a_phone_change_writes_nothing():
    # given
    _project, accounts = started()
    tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
    before = _last_event_id()

    # when
    account_contact_correct(user=tanaka, values={"phone": "090-2468-1357"}, actor=desk_actor())
    account_contact_correct(
        user=tanaka, values={"email": "ichiro@echigo-kensetsu.example.co.jp"}, actor=desk_actor()
    )

    # then
    event = Event.objects.get(pk__gt=before)
    assert event.type == "account.changed"
    assert event.payload["changed"] == ["email"]
    assert event.payload["account"]["email"] == "ichiro@echigo-kensetsu.example.co.jp"
    assert "090-2468-1357" not in str(event.payload)


def test_an_email_change_and_a_new_secret_key_keep_the_sub_services_know(settings):
    # given tanaka's sub, as his first event named it
    _project, accounts = started()
    tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
    sub = Event.objects.filter(account_id=tanaka.username).first().payload["account"]["sub"]

    # when his e-mail changes, after the site's secret key was rotated
    settings.SECRET_KEY = "another-secret-key-0123456789abcdef0123456789abcdef"
    account_contact_correct(
        user=tanaka, values={"email": "ichiro@echigo-kensetsu.example.co.jp"}, actor=desk_actor()
    )

    # then the change names the same sub, still the account's
    changed = Event.objects.filter(type="account.changed").get()
    assert changed.payload["account"]["sub"] == sub == str(User.objects.get(pk=tanaka.pk).subject)


def test_adding_and_removing_a_user_writes_membership_and_account_events():
    # given
    project, _accounts = started()
    before = _last_event_id()

    # when
    sato = project_user_add(project=project, person=SATO, actor=desk_actor())
    middle = Event.objects.order_by("-pk").first().pk
    project_user_remove(project=project, user=sato, actor=desk_actor())

    # then
    added = list(Event.objects.filter(pk__gt=before, pk__lte=middle).order_by("pk"))
    assert [(e.type, e.account_id) for e in added] == [
        ("account.issued", sato.username),
        ("membership.added", sato.username),
        ("account.activated", sato.username),
    ]
    removed = list(Event.objects.filter(pk__gt=middle).order_by("pk"))
    assert [(e.type, e.account_id) for e in removed] == [
        ("membership.removed", sato.username),
        ("account.closed", sato.username),
    ]
    assert removed[0].payload["membership"]["role"] == "engineer"


def test_closing_writes_the_project_closed_then_each_account_closed():
    # given
    project, _accounts = started()
    before = _last_event_id()

    # when
    project_close(project=project, actor=desk_actor(), reason="工事中止")

    # then
    after = list(Event.objects.filter(pk__gt=before).order_by("pk"))
    assert [e.type for e in after] == ["project.closed", *["account.closed"] * 3]
    assert after[0].payload["project"]["state"] == "closed"
    assert "工事中止" not in str(after[0].payload)  # the free-text reason is not a claim


def test_a_rolled_back_suspension_leaves_no_event_no_delivery_and_no_task():
    # given a subscriber and a project in use
    project, _accounts = started()
    subscriber_for(Receiver(port=free_port()))
    counts = (Event.objects.count(), WebhookDelivery.objects.count(), DBTaskResult.objects.count())

    # when the change fails after the event was written
    with pytest.raises(RuntimeError), transaction.atomic():
        _suspend(project)
        assert WebhookDelivery.objects.count() == counts[1] + 1
        raise RuntimeError("the caller's next step failed")

    # then
    assert (Event.objects.count(), WebhookDelivery.objects.count(), DBTaskResult.objects.count()) == counts
    project.refresh_from_db()
    assert project.status == "active"


def test_each_event_gets_one_delivery_per_active_subscriber_in_its_transaction():
    # given
    project, _accounts = started()
    subscriber_for(Receiver(port=free_port()), name="A")
    subscriber_for(Receiver(port=free_port()), name="B")

    # when
    _suspend(project)

    # then
    event = Event.objects.order_by("-pk").first()
    assert sorted(d.subscriber.name for d in WebhookDelivery.objects.filter(event=event)) == ["A", "B"]
    assert WebhookDelivery.objects.count() == 2
    assert Membership.objects.filter(project=project, active=True).count() == 3
