"""CPU time of one measured step: the Django process plus its PostgreSQL backend, with wall time beside.

Wall clock on a shared machine is mostly other people's work; CPU time is what the step itself cost.
The Django side is ``time.process_time()`` (all threads of this process). The database side is the
backend serving this process's connection: its ``/proc/<pid>/schedstat`` first field (nanoseconds on
a CPU), read before and after. That needs the cluster on this machine and the file readable (it is
world-readable on Linux); otherwise the backend part is ``None`` and the report says "backend CPU
unavailable". SQLite runs inside the process, so there the process time is already everything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

UNAVAILABLE = "backend CPU unavailable"


@dataclass(frozen=True)
class Cost:
    """What one measured step cost; ``backend_ms`` is None where the backend could not be read."""

    django_ms: float
    backend_ms: float | None
    wall_ms: float

    @property
    def cpu_ms(self) -> float:
        return self.django_ms + (self.backend_ms or 0.0)

    def per(self, count: int) -> Cost:
        return Cost(
            self.django_ms / count,
            None if self.backend_ms is None else self.backend_ms / count,
            self.wall_ms / count,
        )


def schedstat_ns(text: str) -> int:
    """The time on a CPU, in nanoseconds, from the text of ``/proc/<pid>/schedstat``."""
    fields = text.split()
    if not fields or not fields[0].isdigit():
        raise ValueError(f"not a schedstat line: {text!r}")
    return int(fields[0])


def process_cpu_ns(pid: int, *, proc: Path = Path("/proc")) -> int | None:
    """CPU nanoseconds of process ``pid`` so far, or None if it cannot be read."""
    try:
        return schedstat_ns((proc / str(pid) / "schedstat").read_text())
    except (OSError, ValueError):
        return None


def backend_pid() -> int | None:
    """The PID of the PostgreSQL backend of Django's default connection (None on other databases)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def measured(step: Callable[[], object], *, backend: int | None) -> Cost:
    """Run ``step`` once and return its cost; ``backend`` is the PID from ``backend_pid()``."""
    before_ns = process_cpu_ns(backend) if backend else None
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    step()
    django_ms = (time.process_time() - cpu_started) * 1000
    wall_ms = (time.perf_counter() - wall_started) * 1000
    after_ns = process_cpu_ns(backend) if backend else None
    backend_ms = None if before_ns is None or after_ns is None else (after_ns - before_ns) / 1e6
    return Cost(django_ms, backend_ms, wall_ms)
