"""The mailbox readers' heartbeat (``ReaderHeartbeat``) and the readiness check that reads it."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.conf import settings

from calsreg.core import clock
from calsreg.core.health import CheckResult
from calsreg.mailbox.models import ReaderHeartbeat


def reader_id_default(mailbox: str) -> str:
    return f"{socket.gethostname()[:60]}-{os.getpid()}-{mailbox}"[:100]


def reader_heartbeat_beat(
    *, reader_id: str, mailbox: str, started_at: datetime, passed: bool = False, error: str | None = None
) -> None:
    """Write the reader's row: now alive; ``passed`` after a pass that went well, ``error`` after one
    that failed (a short line, never a password)."""
    now = clock.now()
    values: dict[str, object] = {"mailbox": mailbox, "started_at": started_at, "beat_at": now}
    if passed:
        values.update(last_pass_at=now, last_error="")
    if error is not None:
        values["last_error"] = error[:500]
    ReaderHeartbeat.objects.update_or_create(reader_id=reader_id, defaults=values)


def reader_heartbeat_remove(*, reader_id: str) -> None:
    ReaderHeartbeat.objects.filter(reader_id=reader_id).delete()


def mailbox_readers_check() -> CheckResult:
    """Red when a configured mailbox has no reader that reported within READY_MAILBOX_SILENT_SECONDS
    (none configured: green); value: the mailboxes with a live reader."""
    names = [mailbox.name for mailbox in settings.MAILBOXES]
    if not names:
        return CheckResult(name="mailbox_readers", ok=True, detail="no mailbox configured", value=0.0)
    limit = settings.READY_MAILBOX_SILENT_SECONDS
    since = clock.now() - timedelta(seconds=limit)
    live = set(
        ReaderHeartbeat.objects.filter(mailbox__in=names, beat_at__gte=since).values_list(
            "mailbox", flat=True
        )
    )
    silent = [name for name in names if name not in live]
    errors = dict(
        ReaderHeartbeat.objects.filter(mailbox__in=names)
        .exclude(last_error="")
        .values_list("mailbox", "last_error")
    )
    detail = f"{len(live)} of {len(names)} mailbox(es) read within {limit} s"
    if silent:
        detail += "; silent: " + ", ".join(silent)
    if errors:
        detail += "; last error: " + "; ".join(f"{name}: {text}" for name, text in sorted(errors.items()))
    return CheckResult(name="mailbox_readers", ok=not silent, detail=detail, value=float(len(live)))
