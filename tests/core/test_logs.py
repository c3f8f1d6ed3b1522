"""Structured logs: a request id on every line, one access line per request without query strings or
personal values, JSON on demand, and the task's id on a background task's lines."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging

import pytest

from calsreg.core.logs import JsonFormatter, RequestIdFilter
from calsreg.jobs import services
from calsreg.jobs.tasks import daily_jobs

T0 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
PASSWORD = "Sup3r-Secret-Passw0rd!"
EMAIL = "tanaka@echigo-kensetsu.example.co.jp"


def broken_job() -> int:
    logging.getLogger("calsreg.jobs.test").warning("inside the job")
    raise RuntimeError("boom")


@pytest.fixture
def json_lines():
    """Every log line as the production console handler would write it (filter + JSON formatter)."""
    lines: list[dict] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield lines
    root.removeHandler(handler)


def test_a_valid_caller_request_id_is_kept_and_returned(client, json_lines):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="abc-123_x.y")

    assert response["X-Request-ID"] == "abc-123_x.y"
    (access,) = [line for line in json_lines if line["logger"] == "calsreg.access"]
    assert access["request_id"] == "abc-123_x.y"
    assert access["status"] == 200
    assert access["path"] == "/health/live"
    assert access["http_method"] == "GET"
    assert access["user_id"] is None


@pytest.mark.parametrize("forged", ["a b", "x" * 65, "line\\nbreak", "<script>", "é"])
def test_a_forged_request_id_is_replaced_by_a_fresh_one(client, json_lines, forged):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=forged)

    assert response["X-Request-ID"] != forged
    assert len(response["X-Request-ID"]) == 32
    (access,) = [line for line in json_lines if line["logger"] == "calsreg.access"]
    assert access["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_the_access_line_names_the_route_never_the_query_or_the_posted_values(client, json_lines):
    client.post(
        "/desk/login/?next=/desk/&email=" + EMAIL,
        {"username": "tanaka.kqz", "password": PASSWORD, "email": EMAIL},
    )

    written = json.dumps(json_lines, ensure_ascii=False)
    (access,) = [line for line in json_lines if line["logger"] == "calsreg.access"]
    assert access["path"] == "/desk/login/"
    assert access["route"] == "desk:login"
    assert PASSWORD not in written
    assert EMAIL not in written
    assert "next=" not in written


def test_text_format_carries_the_request_id():
    record = logging.LogRecord("x", logging.INFO, "f", 1, "hello", None, None)
    # A fresh context: outside any request or task (another test's task may have left its id here).
    contextvars.Context().run(RequestIdFilter().filter, record)

    assert record.request_id == "-"


@pytest.mark.django_db(transaction=True)
def test_a_background_tasks_lines_carry_its_task_id(run_tasks, monkeypatch, json_lines, time_machine):
    time_machine.move_to(T0, tick=False)
    monkeypatch.setattr(services, "DAILY_JOBS", (("broken", f"{__name__}.broken_job"),))
    result = daily_jobs.enqueue()

    assert run_tasks() >= 1

    (inside,) = [line for line in json_lines if line["message"] == "inside the job"]
    (failure,) = [line for line in json_lines if line["message"] == "daily job broken failed"]
    assert inside["request_id"] == f"task-{result.id}"
    assert failure["request_id"] == f"task-{result.id}"
    assert "RuntimeError: boom" in failure["exc_info"]
