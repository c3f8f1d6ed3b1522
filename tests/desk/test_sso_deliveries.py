"""A party's delivery logs at the desk, and re-sending failed ones: through a confirmation, back to
pending with their task enqueued and an audit row; refused to anyone but the help desk and
administrators, and then nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.models import Role
from calsreg.events.models import WebhookDelivery, WebhookStatus
from calsreg.events.services import webhook_deliveries_resend
from calsreg.records.models import AuditEvent
from calsreg.records.services import Actor
from calsreg.sso.models import LogoutDelivery
from calsreg.sso.services import logout_deliveries_resend
from tests.accounts.helpers import started
from tests.desk.sso_helpers import T0, logout, party, state, subscriber, webhook
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = T0 + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def logged():
    """A party with a subscriber, two failed webhooks, a delivered one, and a failed logout."""
    registered = party()
    made = subscriber(registered)
    holder = UserFactory(role=Role.CONTRACTOR, username="tanaka.abc")
    return {
        "party": registered.application,
        "failed": [webhook(made.subscriber, at=T0), webhook(made.subscriber, at=T0 + dt.timedelta(hours=1))],
        "delivered": webhook(made.subscriber, status=WebhookStatus.DELIVERED, at=T0 + dt.timedelta(hours=2)),
        "logout": logout(registered.application, holder),
    }


def _url(logged, suffix: str = "") -> str:
    return f"/desk/sso/{logged['party'].pk}/{suffix}"


def test_party_page_lists_deliveries_newest_first_with_attempts_errors_and_a_link_to_the_account(
    desk_client, logged
):
    content = desk_client.get(_url(logged)).content.decode()

    assert content.count("HTTP 503") == 2 and "HTTP 500" in content
    newest, older = (f'name="deliveries" value="{d.pk}"' for d in reversed(logged["failed"]))
    assert content.index(newest) < content.index(older)
    assert f'value="{logged["delivered"].pk}"' not in content  # only failed ones can be picked
    assert content.count("送信失敗") >= 3 and "受領済み" in content
    assert f'href="/desk/accounts/{logged["logout"].user_id}/">tanaka.abc</a>' in content


def test_party_page_filters_by_status(desk_client, logged):
    content = desk_client.get(_url(logged), {"status": "delivered"}).content.decode()

    assert "受領済み" in content and "HTTP 503" not in content and "HTTP 500" not in content


def test_party_page_paginates_each_log(desk_client, logged):
    sub = logged["delivered"].subscriber
    for hour in range(30):
        webhook(sub, at=T0 - dt.timedelta(hours=hour + 1))

    first = desk_client.get(_url(logged)).content.decode()
    second = desk_client.get(_url(logged), {"webhook_page": 2}).content.decode()

    assert "1 / 2 ページ" in first and 'href="?webhook_page=2"' in first
    assert "2 / 2 ページ" in second


@pytest.mark.parametrize("n", [1, 8])
def test_party_page_costs_the_same_queries_for_1_or_8_deliveries(desk_client, django_assert_num_queries, n):
    registered = party()
    made = subscriber(registered)
    for hour in range(n):
        webhook(made.subscriber, at=T0 + dt.timedelta(hours=hour))
        logout(registered.application, UserFactory(role=Role.CONTRACTOR), at=T0 + dt.timedelta(hours=hour))

    # session, user, party (+counts), subscriber, webhook count + page, logout count + page
    with django_assert_num_queries(10):
        desk_client.get(f"/desk/sso/{registered.application.pk}/")


def test_resend_asks_for_confirmation_first_and_changes_nothing_yet(desk_client, logged):
    before = state()
    ids = [d.pk for d in logged["failed"]]

    response = desk_client.post(_url(logged, "resend/"), {"kind": "webhook", "deliveries": ids})

    content = response.content.decode()
    assert "次の2件を、最初の試行から送り直します" in content
    assert 'name="confirmed" value="on"' in content
    assert state() == before


def test_resend_through_the_desk_puts_failed_webhooks_back_to_pending_enqueued_and_audited(
    desk_client, logged
):
    ids = [d.pk for d in logged["failed"]]

    response = desk_client.post(
        _url(logged, "resend/"), {"kind": "webhook", "deliveries": ids, "confirmed": "on"}, follow=True
    )

    assert "2件を送信待ちに戻しました" in response.content.decode()
    rows = WebhookDelivery.objects.filter(pk__in=ids).values_list("status", "attempts", "next_attempt_at")
    assert list(rows) == [(WebhookStatus.PENDING, 0, NOW)] * 2
    task = DBTaskResult.objects.get(task_path="calsreg.events.tasks.send_webhooks")
    assert task.args_kwargs["args"] == [logged["delivered"].subscriber_id]
    audits = AuditEvent.objects.filter(action="events.webhook_resent").order_by("pk")
    assert [(a.actor_label, a.data["subscriber_id"]) for a in audits] == [
        ("helpdesk1", logged["delivered"].subscriber_id)
    ] * 2
    assert WebhookDelivery.objects.get(pk=logged["delivered"].pk).status == WebhookStatus.DELIVERED


def test_resend_through_the_desk_puts_a_failed_logout_back_to_pending_enqueued_and_audited(
    desk_client, logged
):
    pk = logged["logout"].pk

    desk_client.post(_url(logged, "resend/"), {"kind": "logout", "deliveries": [pk], "confirmed": "on"})

    delivery = LogoutDelivery.objects.get(pk=pk)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("pending", 0, NOW)
    task = DBTaskResult.objects.get(task_path="calsreg.sso.tasks.send_logout")
    assert task.args_kwargs["args"] == [pk]
    assert AuditEvent.objects.get(action="sso.logout_resent").data["logout_delivery"] == pk


def test_resend_of_another_partys_delivery_is_refused_and_changes_nothing(desk_client, logged):
    other = party("別の連携先")
    foreign = webhook(subscriber(other).subscriber)
    before = state()

    response = desk_client.post(
        _url(logged, "resend/"),
        {"kind": "webhook", "deliveries": [foreign.pk], "confirmed": "on"},
        follow=True,
    )

    assert "再送する送信" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize("role", [Role.BILLING_AGENT, Role.CONTRACTOR, None])
def test_resend_is_refused_to_anyone_but_the_help_desk_and_changes_nothing(client, logged, role):
    if role == Role.CONTRACTOR:
        _project, accounts = started()
        client.force_login(next(user for user in accounts if user.role == role))
    elif role is not None:
        client.force_login(UserFactory(role=role))
    before = state()

    responses = [
        client.post(_url(logged, "resend/"), {"kind": kind, "deliveries": ids, "confirmed": "on"})
        for kind, ids in (("webhook", [d.pk for d in logged["failed"]]), ("logout", [logged["logout"].pk]))
    ]
    responses.append(client.get(_url(logged)))

    assert [r.status_code for r in responses] == [302 if role is None else 403] * 3
    assert state() == before


def test_resend_services_are_idempotent_and_leave_delivered_and_fresh_rows_alone(logged):
    ids = [d.pk for d in logged["failed"]] + [logged["delivered"].pk]
    actor = Actor.system("test")

    first = webhook_deliveries_resend(delivery_ids=ids, actor=actor)
    again = webhook_deliveries_resend(delivery_ids=ids, actor=actor)
    logouts = [logout_deliveries_resend(delivery_ids=[logged["logout"].pk], actor=actor) for _ in range(2)]

    assert (first, again, logouts) == (2, 0, [1, 0])
    assert AuditEvent.objects.filter(action__in=["events.webhook_resent", "sso.logout_resent"]).count() == 3
    assert WebhookDelivery.objects.get(pk=logged["delivered"].pk).status == WebhookStatus.DELIVERED


def test_resend_services_take_back_a_stuck_attempt_but_not_one_in_progress(logged):
    sub = logged["delivered"].subscriber
    stuck = webhook(sub, status=WebhookStatus.SENDING, at=NOW - dt.timedelta(minutes=10))
    busy = webhook(sub, status=WebhookStatus.SENDING, at=NOW - dt.timedelta(minutes=1))

    count = webhook_deliveries_resend(delivery_ids=[stuck.pk, busy.pk], actor=Actor.system("test"))

    assert count == 1
    statuses = dict(WebhookDelivery.objects.filter(pk__in=[stuck.pk, busy.pk]).values_list("pk", "status"))
    assert statuses == {stuck.pk: WebhookStatus.PENDING, busy.pk: WebhookStatus.SENDING}


def _selects(resend, ids) -> int:
    with CaptureQueriesContext(connection) as queries:
        resend(delivery_ids=ids, actor=Actor.system("test"))
    return sum(1 for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("SELECT"))


def test_resend_reads_what_its_audit_rows_name_with_the_rows_not_once_per_row(logged):
    sub = logged["delivered"].subscriber
    one = _selects(webhook_deliveries_resend, [logged["failed"][0].pk])
    three = _selects(webhook_deliveries_resend, [webhook(sub).pk for _ in range(3)])
    holder = logged["logout"].user
    logouts = [logout(logged["party"], holder).pk for _ in range(3)]

    assert three == one
    assert _selects(logout_deliveries_resend, logouts) == _selects(
        logout_deliveries_resend, [logout(logged["party"], holder).pk]
    )
