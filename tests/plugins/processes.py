"""Real child processes for fault tests: a ``manage.py`` command (the task worker, a billing run, the
web server) run as its own process against the test database, on the test's clock, so a test can kill
it (``SIGKILL``) the way an operator's machine would.

``spawn("run_worker", "--interval", "0.2", env={...})`` starts ``python -m tests.plugins.child
run_worker …`` and returns a ``Child``. The child:

* connects to the test database (its URL is built from the test connection; PostgreSQL, or a file
  SQLite database — an in-memory one cannot be shared, so such tests are ``postgres_only``);
* writes its files to the test's media folder (``_isolated_media``);
* starts on the parent's clock (frozen, travelled or shifted) and keeps ticking from there;
* gets the parent's signing keys (tests/settings.py put them in the environment).

Tests that use it must be ``django_db(transaction=True)``: the child only sees committed rows.
Every child still running at the end of the test is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Child:
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is cleaned up (a crash, the OOM killer, a pulled plug)."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then wait; the exit code."""
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=timeout)

    def wait(self, timeout: float = 60) -> int:
        return self.popen.wait(timeout=timeout)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def database_url() -> str:
    """The test database as a DATABASE_URL a child process can use."""
    from django.db import connection

    data = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(data.get("USER") or "", safe="")
        password = quote(data.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = data.get("HOST") or "localhost"
        port = data.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{quote(data['NAME'], safe='')}"
    name = str(data["NAME"])
    if connection.vendor == "sqlite" and name and ":memory:" not in name and "mode=memory" not in name:
        return f"sqlite:///{name}"
    raise pytest.skip.Exception("a child process needs a database it can share (PostgreSQL)")


def media_root() -> str:
    from django.conf import settings

    return str(settings.STORAGES["default"]["OPTIONS"]["location"])


def wait_until(condition: Callable[[], Any], *, timeout: float = 30, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Child]]:
    children: list[Child] = []

    def start(*command: str, env: dict[str, str] | None = None) -> Child:
        log_path = tmp_path / f"child-{len(children)}.log"
        child_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            # A test may hand its children a database of its own (a restore target, a file SQLite copy).
            "DATABASE_URL": (env or {}).get("DATABASE_URL") or database_url(),
            "CALSREG_MEDIA_ROOT": media_root(),
            "CALSREG_TEST_CLOCK_AT": datetime.now(UTC).isoformat(),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        # The parent's clock shift is already in CALSREG_TEST_CLOCK_AT; the child must not add it again.
        child_env.pop("CALSREG_TEST_CLOCK_SHIFT_DAYS", None)
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", "tests.plugins.child", *command],
                cwd=ROOT,
                env=child_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        child = Child(popen=popen, log_path=log_path)
        children.append(child)
        return child

    yield start
    for child in children:
        child.kill()
