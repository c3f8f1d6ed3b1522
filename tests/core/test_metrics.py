"""/metrics: only for this machine, listed networks or the scraper's token; request counts and the
database gauges in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.services import notification_enqueue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
OUTSIDER = "203.0.113.7"
TOKEN = "scrape-token-0123456789abcdef"


def sample(text: str, line_start: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(line_start + " ")]
    return float(line.rsplit(" ", 1)[1])


def test_an_outsider_gets_404_and_no_metric(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDER)

    assert response.status_code == 404
    assert b"calsreg_" not in response.content


def test_a_wrong_token_from_outside_gets_404(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION="Bearer wrong")

    assert response.status_code == 404


def test_the_scrapers_token_opens_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = TOKEN

    response = client.get("/metrics", REMOTE_ADDR=OUTSIDER, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200


def test_a_forwarded_visitor_through_an_undeclared_local_proxy_gets_404(client):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)

    assert response.status_code == 404


def test_a_listed_network_may_scrape(client, settings):
    settings.METRICS_ALLOWED_NETS = ["203.0.113.0/24"]

    assert client.get("/metrics", REMOTE_ADDR=OUTSIDER).status_code == 200


def test_requests_are_counted_by_method_route_and_status_class(client):
    before = client.get("/metrics").content.decode()
    key = 'calsreg_http_requests_total{method="GET",route="health_live",status="2xx"}'
    start = sample(before, key) if key in before else 0.0

    client.get("/health/live")
    client.get("/health/live")
    after = client.get("/metrics").content.decode()

    assert sample(after, key) == start + 2
    assert 'calsreg_http_request_duration_seconds_bucket{le="0.01",route="health_live"}' in after


def test_an_unknown_method_and_path_do_not_make_new_series(client):
    client.generic("BREW", "/no/such/page/ABC123")
    text = client.get("/metrics").content.decode()

    assert "ABC123" not in text
    assert "BREW" not in text
    assert 'calsreg_http_requests_total{method="other",route="unresolved",status="4xx"}' in text


def test_database_gauges_in_a_fixed_number_of_queries(client, time_machine):
    time_machine.move_to(T0, tick=False)
    user = UserFactory()
    for number in range(3):
        notification_enqueue(
            kind="staff_digest",
            to=f"ops{number}@example.jp",
            context={},
            subject=user,
            idempotency_key=f"k{number}",
        )
    Delivery.objects.filter(idempotency_key="k0").update(status=DeliveryStatus.FAILED, last_attempt_at=T0)
    DBTaskResult.objects.update(enqueued_at=T0 - dt.timedelta(minutes=5))

    with CaptureQueriesContext(connection) as queries:
        text = client.get("/metrics").content.decode()

    assert len(queries) <= 9
    assert sample(text, 'calsreg_mail_deliveries{status="pending"}') == 2
    assert sample(text, 'calsreg_mail_deliveries{status="failed"}') == 1
    assert sample(text, "calsreg_mails_failed_last_24h") == 1
    assert sample(text, 'calsreg_billing_runs{status="running"}') == 0
    (queue,) = {row.queue_name for row in DBTaskResult.objects.all()}
    assert sample(text, f'calsreg_task_queue_depth{{queue="{queue}"}}') == 3
    assert sample(text, f'calsreg_task_queue_oldest_age_seconds{{queue="{queue}"}}') == 300
    assert sample(text, "calsreg_sso_authorizations_refused_last_24h") == 0
