"""What the desk's layout saves between requests: the menu rendered once per language, role, page and
badge counts — never shown to the wrong one, and never hiding a mail that just failed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from calsreg.accounts.models import Role
from calsreg.notifications.models import Delivery, DeliveryStatus
from tests.desk.helpers import submit_application
from tests.factories import UserFactory
from tests.notifications.factories import enqueue_received, subject_factory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC)
BADGE = '<span class="badge warn nav-count">{}<span class="visually-hidden">件</span></span>'


def _failed_delivery(key: str) -> None:
    delivery = enqueue_received(key=key, to=f"{key}@example.jp", subject=subject_factory(key))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)


def _detail(client, application):
    return client.get(reverse("desk:application_detail", args=[application.pk])).content.decode()


def test_a_new_failed_mail_shows_in_the_badge_on_the_next_page(desk_client, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False):
        # given: one failed mail, counted by a first desk page
        application = submit_application()
        _failed_delivery("first")
        assert BADGE.format(1) in _detail(desk_client, application)

        # when: a second one fails and the detail is opened again at once
        _failed_delivery("second")
        # session, user, application (+ its prefetches: users, supervisors with their offices), the view's
        # audit INSERT, project state, accounts, the office's supervisors, evidence, timeline, deliveries,
        # the unread notices, the failed-mail count
        with django_assert_num_queries(14):
            again = _detail(desk_client, application)

    # then: the operator sees it at once (the menu around it is cached with the count in its key)
    assert BADGE.format(2) in again


def test_the_mail_troubles_page_counts_afresh(desk_client):
    with time_machine.travel(NOW, tick=False):
        application = submit_application()
        _failed_delivery("first")
        _detail(desk_client, application)
        _failed_delivery("second")

        content = desk_client.get("/desk/mail/troubles/").content.decode()

    assert BADGE.format(2) in content


def test_the_cached_menu_follows_the_page_the_language_and_the_role(client):
    with time_machine.travel(NOW, tick=False):
        application = submit_application()
        desk = UserFactory(role=Role.HELP_DESK, username="helpdesk1")
        billing = UserFactory(role=Role.BILLING_AGENT, username="billing1")
        client.force_login(desk)
        on_detail = _detail(client, application)
        on_outbox = client.get("/desk/outbox/").content.decode()
        client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
        in_english = _detail(client, application)
        client.force_login(billing)
        client.post("/i18n/setlang/", {"language": "ja", "next": "/desk/"})
        as_billing = client.get("/desk/billing/").content.decode()

    assert '<a href="/desk/" aria-current="page">申込一覧</a>' in on_detail
    assert '<a href="/desk/outbox/">送信メール</a>' in on_detail
    assert '<a href="/desk/">申込一覧</a>' in on_outbox
    assert '<a href="/desk/outbox/" aria-current="page">送信メール</a>' in on_outbox
    assert '<a href="/desk/" aria-current="page">Applications</a>' in in_english
    assert "申込一覧" not in in_english
    assert "申込一覧" not in as_billing and '<a href="/desk/outbox/"' not in as_billing
    assert '<a href="/desk/billing/" aria-current="page">請求</a>' in as_billing
