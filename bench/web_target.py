"""The web target: server CPU per request at 50 users through gunicorn, beside a static file.

``bench.load`` starts the production server (``scripts/serve.sh``: gunicorn and the task workers)
against the data set's database and drives signed-in users over HTTP. Per round, the realistic mix
and a static file alone are driven in turn (order reversed every round); the CPU of the server's
processes (its session, from ``/proc``) **plus the PostgreSQL cluster's** (the postmaster and its
children, reaped ones included) is divided by the requests answered. Goals: ≤ 6 ms CPU per request
for the mix, p95 ≤ 300 ms, no error. The client's own CPU is not counted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.measure import percentile
from bench.stats import Spread, interleaved, ratios
from bench.targets import Row

CPU_GOAL_MS = 6.0
P95_GOAL_MS = 300.0
STATIC_MIX = (("static", 1),)
Say = Callable[[str], None]


def _stat_fields(pid: int, *, proc: Path) -> list[str] | None:
    try:
        text = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    return re.sub(r"^.*\) ", "", text).split()


def tree_cpu_seconds(root: int, *, proc: Path = Path("/proc")) -> float:
    """CPU seconds of ``root`` and its direct children, with their reaped children's (``cutime``):
    a PostgreSQL postmaster and every backend it started, those that exited included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in proc.glob("[0-9]*/stat"):
        fields = _stat_fields(int(stat.parent.name), proc=proc)
        # After the name: state 0, ppid 1, …, utime 11, stime 12, cutime 13, cstime 14.
        if fields and (int(stat.parent.name) == root or int(fields[1]) == root):
            total += sum(int(value) for value in fields[11:15])
    return total / ticks


def postmaster_pid(*, proc: Path = Path("/proc")) -> int | None:
    """The parent of this connection's backend: the cluster's postmaster (None if unreadable)."""
    from bench.cpu import backend_pid

    backend = backend_pid()
    fields = _stat_fields(backend, proc=proc) if backend else None
    return int(fields[1]) if fields else None


def database_url_for(name: str, url: str) -> str:
    """``url`` with its database name replaced by ``name`` (the data set's database)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass(frozen=True)
class WebRound:
    cpu_ms_per_request: float
    requests: int
    p95_ms: float
    errors: int


def web_row(
    mix: Sequence[WebRound], static: Sequence[WebRound], *, users: int, database_counted: bool
) -> Row:
    """Mix CPU per request (goal ≤ 6 ms), its ratio to a static file, p95 (≤ 300 ms), errors (0)."""
    mine = [r.cpu_ms_per_request for r in mix]
    theirs = [r.cpu_ms_per_request for r in static]
    cpu = Spread.of(mine)
    p95 = Spread.of([r.p95_ms for r in mix])
    errors = sum(r.errors for r in (*mix, *static))
    met = cpu.median <= CPU_GOAL_MS and p95.median <= P95_GOAL_MS and errors == 0
    return Row(
        "web",
        f"web, {users} users, gunicorn: realistic mix, server CPU per request",
        "static file through the same stack",
        f"≤ {CPU_GOAL_MS:g} ms CPU/request; p95 ≤ {P95_GOAL_MS:g} ms; 0 errors",
        ratio=Spread.of(ratios(mine, theirs)),
        measured_ms=cpu,
        against_ms=Spread.of(theirs),
        met=met,
        note=f"p95 {p95.median:.0f} ms; {errors} errors"
        + ("" if database_counted else "; PostgreSQL CPU unavailable"),
        extra={
            "p95_ms": {"median": p95.median, "min": p95.low, "max": p95.high},
            "errors": errors,
            "requests": {"mix": [r.requests for r in mix], "static": [r.requests for r in static]},
        },
    )


def run_web(*, database: str, rounds: int, seconds: float, users: int, data: object, say: Say) -> Row:
    """Start the server on ``database``, sign ``users`` in once, then drive the interleaved rounds;
    ``seconds`` is the timed total, split between the rounds and the two sides."""
    from django.core.management import call_command
    from django.db import connection

    from bench import load

    call_command("collectstatic", interactive=False, verbosity=0)
    postmaster = postmaster_pid()
    connection.close()
    url = database_url_for(database, os.environ["DATABASE_URL"])
    server = load.Server.start(say=say, env={"DATABASE_URL": url})
    per_side = max(2.0, seconds / (2 * rounds))
    results: dict[str, list[WebRound]] = {"mix": [], "static": []}
    try:
        sessions = load.signed_in_users(server.base, data, users=users, say=say)  # type: ignore[arg-type]
        for _round, side in interleaved(["mix", "static"], rounds=rounds):
            marks: dict[str, float] = {}

            def mark(marks: dict[str, float] = marks) -> None:
                marks["server"] = load._session_cpu_seconds(server.popen.pid)
                marks["database"] = tree_cpu_seconds(postmaster) if postmaster else 0.0

            result = load.drive(
                data,  # type: ignore[arg-type]
                base=server.base,
                users=users,
                seconds=per_side,
                seed=len(results[side]),
                say=lambda message: None,
                on_start=mark,
                mix=load.MIX if side == "mix" else STATIC_MIX,
                sessions=sessions,
            )
            cpu = load._session_cpu_seconds(server.popen.pid) - marks["server"]
            if postmaster:
                cpu += tree_cpu_seconds(postmaster) - marks["database"]
            samples = [ms for values in result.recorder.samples.values() for ms in values]
            results[side].append(
                WebRound(
                    cpu_ms_per_request=cpu * 1000 / max(1, len(samples)),
                    requests=len(samples),
                    p95_ms=percentile(samples, 95) if samples else 0.0,
                    errors=sum(result.recorder.errors.values()),
                )
            )
            say(
                f"  web {side}: {len(samples)} requests, {results[side][-1].cpu_ms_per_request:.1f} ms CPU each"
            )
    finally:
        server.stop()
    return web_row(results["mix"], results["static"], users=users, database_counted=postmaster is not None)
