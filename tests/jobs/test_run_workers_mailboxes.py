"""``manage.py run_workers`` refuses to start on a wrong mailbox setting (``mailbox.E001``) instead
of restarting a reader that can never pass its checks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from calsreg.jobs import supervisor
from calsreg.jobs.models import WorkerHeartbeat
from calsreg.mailbox.models import ReaderHeartbeat
from tests.plugins.processes import ROOT

pytestmark = pytest.mark.django_db

MISSING_URL = "CALSREG_MAILBOX_RECEPTION_URL is not set (imaps://user@host:993/INBOX or maildir:///path)"


@pytest.fixture
def started(monkeypatch) -> list[list[str]]:
    """Every child the supervisor would start (none is)."""
    commands: list[list[str]] = []

    def popen(command, *args, **kwargs):
        commands.append(command)
        raise AssertionError(f"a child was started: {command}")

    monkeypatch.setattr(supervisor.subprocess, "Popen", popen)
    return commands


def test_run_workers_refuses_a_wrong_mailbox_setting_and_starts_nothing(settings, started):
    # given a mailbox named but not configured
    settings.MAILBOX_SETTINGS_ERRORS = (MISSING_URL,)
    settings.MAILBOXES = ()

    # when the supervisor is started
    with pytest.raises(CommandError) as refused:
        call_command("run_workers")

    # then it refuses, naming the variable as the system check does, and nothing started
    assert str(refused.value) == (
        "the mailbox settings are wrong; nothing was started:\n"
        f"mailbox.E001: {MISSING_URL} (HINT: docs/ops/mailbox.md: Settings)"
    )
    assert started == []
    assert (WorkerHeartbeat.objects.count(), ReaderHeartbeat.objects.count()) == (0, 0)


def test_run_workers_starts_with_good_mailbox_settings(settings, monkeypatch):
    # given mailboxes configured without a problem, and a supervisor that stops at once
    settings.MAILBOX_SETTINGS_ERRORS = ()
    seen: list[list[str]] = []

    def run(self) -> int:
        seen.append([slot.mailbox or slot.queues for slot in self.slots])
        return 0

    monkeypatch.setattr(supervisor.Supervisor, "run", run)

    # when the supervisor is started, then it runs its pool
    with pytest.raises(SystemExit) as exited:
        call_command("run_workers", "--pool", "default")
    assert exited.value.code == 0
    assert seen == [["default"]]


def test_the_real_command_exits_non_zero_naming_each_variable_without_the_password(tmp_path):
    # given the environment of a machine with two wrong mailboxes: a password in a URL, a URL missing
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CALSREG_MAILBOXES": "reception,replies",
        "CALSREG_MAILBOX_RECEPTION_URL": "imaps://desk:hunter2@mail.example.jp/INBOX",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REPLIES_URL", "REPLIES_PASSWORD", "RECEPTION_PASSWORD", "RECEPTION_PASSWORD_FILE"):
        environment.pop(f"CALSREG_MAILBOX_{name}", None)

    # when run_workers is started as the operator would
    child = subprocess.run(
        [sys.executable, "manage.py", "run_workers"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then it exits 1 at once, each wrong variable named, the password never shown, no child started
    assert child.returncode == 1, child.stderr
    assert child.stderr.splitlines()[-3:] == [
        "CommandError: the mailbox settings are wrong; nothing was started:",
        "mailbox.E001: CALSREG_MAILBOX_RECEPTION_URL holds a password; put it in "
        "CALSREG_MAILBOX_RECEPTION_PASSWORD_FILE (HINT: docs/ops/mailbox.md: Settings)",
        "mailbox.E001: CALSREG_MAILBOX_REPLIES_URL is not set (imaps://user@host:993/INBOX or "
        "maildir:///path) (HINT: docs/ops/mailbox.md: Settings)",
    ]
    assert "hunter2" not in child.stdout + child.stderr
    assert "supervisor:" not in child.stdout + child.stderr
