"""The daily jobs' history (one row per run, each job timed) and the administrators' alert mails:
a failed job, a silent worker — at most one mail per condition per repeat period."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks_db.models import DBTaskResult

from calsreg.jobs import services
from calsreg.jobs.alerts import ALERT_KIND, worker_silence_alert_check
from calsreg.jobs.models import AdminAlert, DailyJobRun
from calsreg.jobs.services import daily_jobs_run, task_results_prune_finished
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import notification_enqueue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 1, 21, 0, tzinfo=dt.UTC)  # 06:00 in Japan


def broken() -> int:
    raise RuntimeError("boom")


def fine() -> int:
    return 3


@pytest.fixture
def jobs(monkeypatch):
    def use(*entries: tuple[str, str]) -> None:
        monkeypatch.setattr(services, "DAILY_JOBS", entries)

    return use


def test_a_run_is_kept_with_each_jobs_count_error_and_time(jobs, time_machine):
    time_machine.move_to(T0, tick=False)
    jobs(("broken", f"{__name__}.broken"), ("fine", f"{__name__}.fine"))

    daily_jobs_run()

    (run,) = DailyJobRun.objects.all()
    assert run.started_at == T0
    assert run.ok is False
    assert [(o["name"], o["handled"], o["error"]) for o in run.outcomes] == [
        ("broken", None, "RuntimeError: boom"),
        ("fine", 3, ""),
    ]
    assert all(isinstance(o["seconds"], float) for o in run.outcomes)


def test_a_failed_job_mails_every_administrator_once(jobs, settings, time_machine):
    time_machine.move_to(T0, tick=False)
    settings.ADMIN_EMAILS = ["ops1@example.jp", "ops2@example.jp"]
    jobs(("broken", f"{__name__}.broken"))

    daily_jobs_run()

    mails = Delivery.objects.filter(kind=ALERT_KIND).order_by("to_address")
    assert [m.to_address for m in mails] == ["ops1@example.jp", "ops2@example.jp"]
    assert mails[0].context == {"condition": "日次処理の失敗", "detail": "broken: RuntimeError: boom"}


def test_a_second_failure_within_the_repeat_period_sends_nothing_more(jobs, settings, time_machine):
    time_machine.move_to(T0, tick=False)
    settings.ADMIN_EMAILS = []
    jobs(("broken", f"{__name__}.broken"))
    daily_jobs_run()

    time_machine.move_to(T0 + dt.timedelta(hours=5, minutes=59), tick=False)
    daily_jobs_run()
    within = Delivery.objects.filter(kind=ALERT_KIND).count()
    time_machine.move_to(T0 + dt.timedelta(hours=6), tick=False)
    daily_jobs_run()

    assert within == 1
    assert list(Delivery.objects.filter(kind=ALERT_KIND).values_list("to_address", flat=True)) == [
        settings.HELP_DESK_EMAIL,
        settings.HELP_DESK_EMAIL,
    ]
    assert AdminAlert.objects.get().sent_count == 2
    assert DailyJobRun.objects.count() == 3


def test_a_successful_run_mails_nobody(jobs, time_machine):
    time_machine.move_to(T0, tick=False)
    jobs(("fine", f"{__name__}.fine"))

    daily_jobs_run()

    assert DailyJobRun.objects.get().ok is True
    assert not Delivery.objects.filter(kind=ALERT_KIND).exists()


def test_runs_older_than_the_task_retention_are_pruned(jobs, settings, time_machine):
    settings.TASK_RESULT_RETENTION_DAYS = 7
    jobs(("fine", f"{__name__}.fine"))
    time_machine.move_to(T0, tick=False)
    daily_jobs_run()
    time_machine.move_to(T0 + dt.timedelta(days=3), tick=False)
    daily_jobs_run()

    time_machine.move_to(T0 + dt.timedelta(days=7, minutes=1), tick=False)
    pruned = task_results_prune_finished()

    assert pruned == 1
    assert list(DailyJobRun.objects.values_list("started_at", flat=True)) == [T0 + dt.timedelta(days=3)]


def queue_a_mail(*, at: dt.datetime) -> None:
    notification_enqueue(
        kind="staff_digest", to="a@example.jp", context={}, subject=UserFactory(), idempotency_key="q"
    )
    DBTaskResult.objects.update(enqueued_at=at)


def test_work_waiting_past_the_silence_limit_alerts_once_through_readiness(client, settings, time_machine):
    """Without the worker heartbeat, a task due and untouched for an hour means no worker runs."""
    time_machine.move_to(T0, tick=False)
    settings.ADMIN_EMAILS = ["ops@example.jp"]
    queue_a_mail(at=T0)

    time_machine.move_to(T0 + dt.timedelta(minutes=59), tick=False)
    early = worker_silence_alert_check()
    time_machine.move_to(T0 + dt.timedelta(minutes=61), tick=False)
    first = client.get("/health/ready")
    second = client.get("/health/ready")

    assert early.ok is True
    assert first.status_code == 503
    assert second.status_code == 503
    (silence,) = [c for c in second.json()["checks"] if c["name"] == "worker_silence"]
    assert silence["ok"] is False
    (alert,) = Delivery.objects.filter(kind=ALERT_KIND)
    assert alert.to_address == "ops@example.jp"
    assert alert.context["condition"] == "バックグラウンド処理の停止"
    assert "2026-12-02 06:00 から 61 分間" in alert.context["detail"]


def test_an_idle_queue_is_not_a_silent_worker(time_machine):
    time_machine.move_to(T0, tick=False)

    assert worker_silence_alert_check().ok is True
    assert not AdminAlert.objects.exists()
