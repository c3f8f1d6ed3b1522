"""Finished background-task rows are deleted after their retention (daily job ``prune_task_results``).

A queued "forgot password" request keeps the typed ID and e-mail in its task row's arguments; a
notification send keeps a delivery number; failures keep a traceback. Rows that finished longer ago than
``TASK_RESULT_RETENTION_DAYS`` (7) go; newer ones, and tasks waiting or running, stay.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from calsreg.accounts.tasks import password_reset_request_task
from calsreg.notifications.tasks import send_delivery
from tests.portal.test_mypage import ACCOUNT_ID, make_account

T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 10:00 in Japan
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"


def daily_jobs() -> str:
    """Run the daily jobs as the operator's command does; the prune job's line."""
    out = StringIO()
    call_command("run_daily_jobs", stdout=out)
    (line,) = [line for line in out.getvalue().splitlines() if line.startswith("prune_task_results:")]
    return line


def rows_holding(text: str) -> int:
    return sum(text in str(row.args_kwargs) for row in DBTaskResult.objects.all())


@pytest.mark.django_db(transaction=True)
def test_a_reset_requests_id_and_email_leave_the_task_table_a_week_after_the_worker_ran_it(
    client, run_tasks, time_machine
):
    # given: a "forgot password" request through my page, run by the real worker at T0
    time_machine.move_to(T0, tick=False)
    make_account()
    client.post("/mypage/password/reset/", {"username": ACCOUNT_ID, "email": EMAIL})
    run_tasks()
    assert rows_holding(EMAIL) == 1
    finished = DBTaskResult.objects.count()
    assert finished == DBTaskResult.objects.finished().count() >= 1

    # when / then: seven days on it is still kept; a second later the daily job deletes it all
    time_machine.move_to(T0 + dt.timedelta(days=7), tick=False)
    assert daily_jobs() == "prune_task_results: handled=0"
    time_machine.move_to(T0 + dt.timedelta(days=7, seconds=1), tick=False)
    assert daily_jobs() == f"prune_task_results: handled={finished}"
    assert (rows_holding(EMAIL), rows_holding(ACCOUNT_ID), DBTaskResult.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_only_finished_rows_older_than_the_retention_go_and_a_second_run_deletes_nothing_more(time_machine):
    # given: rows enqueued on day 0; two finished that day (one failed), one finished on day 5,
    # one running since day 0 and one still waiting
    time_machine.move_to(T0, tick=False)
    old_success, old_failure, new_success, running, waiting = (
        password_reset_request_task.enqueue(username=f"id.{n}", email=f"{n}@example.jp", language="ja").id
        for n in range(5)
    )
    finish(old_success)
    finish(old_failure, error=RuntimeError("SMTP 550"))
    DBTaskResult.objects.get(pk=running).claim("worker-1")
    time_machine.move_to(T0 + dt.timedelta(days=5), tick=False)
    finish(new_success)
    notification_sent = send_delivery.enqueue(1).id
    finish(notification_sent)

    # when: the daily jobs run on day 8, then again
    time_machine.move_to(T0 + dt.timedelta(days=8), tick=False)
    first, second = daily_jobs(), daily_jobs()

    # then
    assert (first, second) == ("prune_task_results: handled=2", "prune_task_results: handled=0")
    assert {(str(pk), status) for pk, status in DBTaskResult.objects.values_list("id", "status")} == {
        (new_success, "SUCCESSFUL"),
        (notification_sent, "SUCCESSFUL"),
        (running, "RUNNING"),
        (waiting, "READY"),
    }


def finish(result_id: str, error: Exception | None = None) -> None:
    """Mark a queued row finished now, as the worker does (django-tasks-db's own transitions)."""
    row = DBTaskResult.objects.get(pk=result_id)
    row.claim("worker-1")
    if error is None:
        row.set_successful(None)
    else:
        row.set_failed(error)
