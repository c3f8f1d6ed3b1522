"""The pull feed: GET /api/events?after=<cursor> for a subscriber's feed token."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command

from calsreg.accounts.services import project_suspend
from calsreg.events.models import Event, Subscriber
from calsreg.events.services import subscriber_create, subscriber_rotate_secret
from calsreg.records.services import Actor
from tests.accounts.helpers import A_DAY_OF_THE_PERIOD, desk_actor, started

pytestmark = pytest.mark.django_db

URL = "/api/events"
EVENT_OPERATIONS = {("get", URL): "events_feed"}


@pytest.fixture(autouse=True)
def _in_the_period():
    with time_machine.travel(A_DAY_OF_THE_PERIOD, tick=False):
        yield


def _feed_token(name: str = "情報共有システム") -> str:
    return subscriber_create(name=name, webhook_url="", client_id="", actor=Actor.system("tests")).feed_token


def _get(client, token: str, **query):
    return client.get(URL, query, HTTP_AUTHORIZATION=f"Bearer {token}")


def _all_events(client, token: str, *, limit: int) -> tuple[list[dict], list[int]]:
    items, cursors, after = [], [], 0
    while True:
        body = _get(client, token, after=after, limit=limit).json()
        items += body["items"]
        cursors.append(body["next_cursor"])
        after = body["next_cursor"]
        if not body["has_more"]:
            return items, cursors


def test_the_feed_replays_every_event_in_order_from_cursor_zero_page_by_page(client):
    # given a project registered, started and suspended (3 accounts)
    project, _accounts = started()
    project_suspend(
        project=project, actor=desk_actor(), at=A_DAY_OF_THE_PERIOD, summary="t", summary_params={}, data={}
    )
    token = _feed_token()
    events = list(Event.objects.order_by("pk"))

    # when a subscriber that never saw a webhook reads from cursor 0, 4 at a time
    items, cursors = _all_events(client, token, limit=4)

    # then it gets every event once, in order, with the same ids the webhooks carry
    assert [i["id"] for i in items] == [str(e.public_id) for e in events]
    assert [i["cursor"] for i in items] == [e.pk for e in events]
    assert [i["type"] for i in items] == [
        "project.registered",
        *["account.issued", "membership.added"] * 3,
        "project.started",
        *["account.activated"] * 3,
        "project.suspended",
    ]
    assert len(events) == 12
    assert cursors == [events[3].pk, events[7].pk, events[11].pk]
    # and the mirror it rebuilds has the project suspended with its three members
    members = {i["payload"]["membership"]["account_id"] for i in items if i["type"] == "membership.added"}
    assert len(members) == 3
    assert items[-1]["payload"]["project"]["state"] == "suspended"


def test_a_feed_at_its_end_answers_nothing_and_keeps_the_cursor(client):
    started()
    token = _feed_token()
    last = Event.objects.order_by("-pk").first().pk
    body = _get(client, token, after=last).json()
    assert body == {"items": [], "next_cursor": last, "has_more": False}


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer cse_wrong", "Basic abc"])
def test_without_a_valid_feed_token_the_feed_is_refused(client, header):
    # given
    started()
    _feed_token()
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}

    # when
    response = client.get(URL, {"after": 0}, **extra)

    # then
    assert response.status_code == 401
    assert "items" not in response.json()


def test_a_staff_api_token_is_no_feed_token(client):
    from calsreg.accounts.services import api_token_issue
    from tests.factories import UserFactory

    started()
    staff = UserFactory(role="administrator")
    secret = api_token_issue(user=staff, name="desk", actor=Actor.system("tests")).secret
    assert _get(client, secret).status_code == 401


def test_an_old_feed_token_stops_working_when_rotated(client):
    # given
    token = _feed_token()
    subscriber = Subscriber.objects.get()

    # when
    new = subscriber_rotate_secret(
        subscriber=subscriber, feed_token=True, actor=Actor.system("tests")
    ).feed_token

    # then
    assert _get(client, token).status_code == 401
    assert _get(client, new).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.feed_token_hash != token and new not in subscriber.feed_token_hash


@pytest.mark.parametrize(
    "query", [{"after": -1}, {"limit": 0}, {"limit": 501}, {"after": "abc"}, {"after": 10**30}]
)
def test_absurd_feed_parameters_are_refused_naming_the_parameter(client, query):
    token = _feed_token()
    response = _get(client, token, **query)
    assert response.status_code == 422
    assert next(iter(query)) in response.content.decode()


def test_the_create_command_prints_the_secrets_once_and_stores_only_the_tokens_digest(capsys):
    # when
    call_command("events_subscriber_create", "情報共有システム", "--client-id", "cals-share")

    # then
    out = capsys.readouterr().out
    secret = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("signing secret: "))
    token = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("feed token: "))
    subscriber = Subscriber.objects.get()
    assert subscriber.signing_secret == secret  # kept: an HMAC needs it
    assert token not in str(Subscriber.objects.values().get())
    call_command("events_subscriber_list")
    listed = capsys.readouterr().out
    assert "情報共有システム" in listed and secret not in listed and token not in listed


def test_the_feed_is_documented_with_the_subscriber_token(client):
    document = client.get("/api/openapi.json").json()
    operation = document["paths"][URL]["get"]
    assert operation["security"] == [{"SubscriberToken": []}]
    assert set(operation["responses"]) == {"200", "401", "422"}
