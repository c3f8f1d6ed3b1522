"""Test-only tasks for the worker's tests: run by a real worker (in-process or a child process)."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import OperationalError
from django_tasks import task


@task()
def nap(seconds: float) -> float:
    """Some work that takes a moment; returns how long it slept."""
    time.sleep(seconds)
    return seconds


@task()
def long_first_run(log_path: str) -> int:
    """Append a line per run to ``log_path``; the first run hangs (the test kills its worker), later
    runs return at once. Returns which run this was."""
    path = Path(log_path)
    runs = len(path.read_text().splitlines()) + 1 if path.exists() else 1
    with path.open("a") as log:
        log.write(f"run {runs}\n")
    if runs == 1:
        time.sleep(120)
    return runs


@task()
def database_gone() -> None:
    """Fails the way a task does when the database restarts under it."""
    raise OperationalError("server closed the connection unexpectedly")


@task()
def plain_failure() -> None:
    raise ValueError("a bug in the task")
