from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from calsreg.jobs import services
from calsreg.jobs.services import (
    DAILY_TASK_PATH,
    daily_jobs_run,
    daily_run_ensure_scheduled,
    next_daily_run_at,
)

JST = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 5, 59, tzinfo=JST), datetime(2026, 11, 24, 6, 0, tzinfo=JST)),
        (datetime(2026, 11, 24, 6, 0, tzinfo=JST), datetime(2026, 11, 25, 6, 0, tzinfo=JST)),
        (datetime(2026, 12, 31, 23, 0, tzinfo=JST), datetime(2027, 1, 1, 6, 0, tzinfo=JST)),
    ],
)
def test_next_run_is_the_next_six_o_clock_in_japan(now, expected):
    assert next_daily_run_at(now=now) == expected


@pytest.mark.django_db
def test_exactly_one_daily_run_is_kept_queued():
    assert daily_run_ensure_scheduled(now=datetime(2026, 11, 24, 9, 0, tzinfo=JST)) is True
    assert daily_run_ensure_scheduled(now=datetime(2026, 11, 24, 9, 0, tzinfo=JST)) is False

    (queued,) = DBTaskResult.objects.filter(task_path=DAILY_TASK_PATH)
    assert queued.run_after == datetime(2026, 11, 25, 6, 0, tzinfo=JST)


@pytest.mark.django_db
def test_one_failing_job_does_not_stop_the_others(monkeypatch):
    ran = []

    def broken():
        raise RuntimeError("boom")

    def fine():
        ran.append("fine")
        return 3

    monkeypatch.setattr(services, "DAILY_JOBS", (("broken", "x.broken"), ("fine", "x.fine")))
    monkeypatch.setattr(services, "import_string", {"x.broken": broken, "x.fine": fine}.__getitem__)

    outcomes = daily_jobs_run()

    assert [(o.name, o.handled, o.error) for o in outcomes] == [
        ("broken", None, "RuntimeError: boom"),
        ("fine", 3, ""),
    ]
    assert ran == ["fine"]
