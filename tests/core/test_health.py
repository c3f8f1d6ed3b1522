"""The health endpoints: liveness without the database, readiness with its checks, details only for
the operator's own machines."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calsreg.billing.models import BillingRun
from calsreg.billing.models.invoices import BillingRunStatus
from calsreg.core import health
from calsreg.core.health import CheckResult, readiness_run
from calsreg.jobs.services import WorkerIdentity, worker_heartbeat_beat
from calsreg.notifications.models import Delivery, DeliveryStatus
from calsreg.notifications.services import notification_enqueue
from tests.factories import UserFactory

T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
OUTSIDER = "203.0.113.7"


@pytest.fixture(autouse=True)
def _a_live_worker(request):
    """A task worker that wrote its heartbeat at T0 (readiness is red without one)."""
    if "django_db" not in request.keywords:
        return
    with time_machine.travel(T0, tick=False):
        worker_heartbeat_beat(
            worker=WorkerIdentity(worker_id="w1", hostname="app1", pid=1, queues="*", started_at=T0),
            current_task_id=None,
            tasks_done=0,
        )


def broken_check() -> CheckResult:
    raise ConnectionError("secret host db.internal:5432")


def test_live_answers_ok_without_touching_the_database(client):
    # No django_db mark: any query would raise here.
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_ready_is_green_with_every_check_listed_in_a_handful_of_queries(client, time_machine):
    time_machine.move_to(T0, tick=False)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert [c["name"] for c in body["checks"]] == [
        "database",
        "failed_mails",
        "stuck_billing_runs",
        "workers",
        "task_queue_age",
        "worker_silence",
        "mailbox_readers",
    ]
    assert all(c["ok"] for c in body["checks"])
    assert len(queries) <= 7  # one or two per check


@pytest.mark.django_db
def test_ready_gives_an_outsider_the_status_only(client, time_machine):
    time_machine.move_to(T0, tick=False)

    response = client.get("/health/ready", REMOTE_ADDR=OUTSIDER)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_details_for_a_listed_network(client, settings, time_machine):
    time_machine.move_to(T0, tick=False)
    settings.HEALTH_ALLOWED_NETS = ["203.0.113.0/24"]

    response = client.get("/health/ready", REMOTE_ADDR=OUTSIDER)

    assert "checks" in response.json()


@pytest.mark.django_db
def test_a_forged_forwarded_header_from_an_undeclared_local_proxy_gets_no_details(client, time_machine):
    """A reverse proxy on this machine that nobody declared makes every visitor look local: the
    forwarding header it adds gives it away, and the visitor gets the status only."""
    time_machine.move_to(T0, tick=False)

    response = client.get("/health/ready", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDER)

    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_a_raising_check_is_a_red_check_naming_the_exception_class_not_a_500(
    client, monkeypatch, time_machine
):
    time_machine.move_to(T0, tick=False)
    monkeypatch.setattr(
        health, "READINESS_CHECKS", ("calsreg.core.health.database_check", f"{__name__}.broken_check")
    )

    response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"][1] == {
        "name": "broken",
        "ok": False,
        "detail": "check raised ConnectionError",
        "value": None,
    }
    assert "db.internal" not in response.content.decode()


@pytest.mark.django_db
def test_ready_is_red_on_a_mail_failed_for_good_today(client, time_machine):
    time_machine.move_to(T0, tick=False)
    user = UserFactory()
    delivery = notification_enqueue(
        kind="staff_digest", to="ops@example.jp", context={}, subject=user, idempotency_key="k1"
    )
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, last_attempt_at=T0)

    response = client.get("/health/ready", REMOTE_ADDR=OUTSIDER)
    (failed,) = [r for r in readiness_run() if r.name == "failed_mails"]

    assert response.status_code == 503
    assert response.json() == {"status": "fail"}
    assert failed == CheckResult(name="failed_mails", ok=False, detail="1 failed in the last 24 h", value=1.0)


@pytest.mark.django_db
def test_a_mail_failed_two_days_ago_no_longer_reddens_readiness(time_machine):
    time_machine.move_to(T0, tick=False)
    user = UserFactory()
    delivery = notification_enqueue(
        kind="staff_digest", to="ops@example.jp", context={}, subject=user, idempotency_key="k"
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, last_attempt_at=T0 - dt.timedelta(hours=48)
    )

    (failed,) = [r for r in readiness_run() if r.name == "failed_mails"]

    assert failed.ok is True


@pytest.mark.django_db
def test_a_run_without_progress_past_the_stall_limit_is_red(time_machine):
    time_machine.move_to(T0, tick=False)
    run = BillingRun.objects.create(
        run_month=dt.date(2026, 11, 1), status=BillingRunStatus.RUNNING, started_by_label="x", started_at=T0
    )
    time_machine.move_to(T0 + dt.timedelta(minutes=10), tick=False)
    fresh = next(r for r in readiness_run() if r.name == "stuck_billing_runs")
    time_machine.move_to(T0 + dt.timedelta(minutes=11), tick=False)
    stale = next(r for r in readiness_run() if r.name == "stuck_billing_runs")

    assert fresh.ok is True
    assert stale == CheckResult(
        name="stuck_billing_runs", ok=False, detail="1 run(s) without progress for 10 min", value=1.0
    )
    assert BillingRun.objects.get(pk=run.pk).status == BillingRunStatus.RUNNING
