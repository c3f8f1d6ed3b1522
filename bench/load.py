"""``python -m bench load``: many concurrent users against the production server (see bench/README.md).

The data (generated applications at volume, plus the demo's staff, directory and a my-page account) is
written in this process; then ``scripts/serve.sh`` starts gunicorn with config/gunicorn.conf.py and
the task workers, exactly as ``make serve`` does, on a free port. Every simulated user signs in at
the desk and at my page up front (real HTTP, real password hashing), then loops over a weighted mix
of pages for the duration, one request at a time, without pause: the numbers are the server's
capacity, not a day's traffic.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bench.measure import percentile

ROOT = Path(__file__).resolve().parent.parent
Say = Callable[[str], None]
# What one loop of a user does, by weight: (action, weight). Each action is one or two requests.
MIX = (("portal", 20), ("status", 15), ("desk", 35), ("mypage", 20), ("static", 10))
KINDS = (
    "portal top",
    "apply form",
    "status lookup",
    "desk queue",
    "desk detail",
    "my page",
    "static css",
)
STATIC_PATH = "/static/css/calsreg.css"
# Below gunicorn's keep-alive timeout (config/gunicorn.conf.py: keepalive = 5).
IDLE_REUSE_SECONDS = 4.0
# Limits a load run would trip on purpose: every simulated user comes from 127.0.0.1.
SERVER_ENV = {
    "CALSREG_PUBLIC_FORM_POSTS_PER_HOUR": "1000000000",
    "CALSREG_POSTCODE_LOOKUPS_PER_HOUR": "1000000000",
    "CALSREG_LOGIN_FAILURES_PER_ADDRESS_PER_HOUR": "1000000000",
    "CALSREG_LOGIN_FAILURE_LIMIT": "1000000",
    "CALSREG_LOGIN_ID_FAILURE_LIMIT": "1000000",
}


@dataclass(frozen=True)
class LoadData:
    desk: tuple[str, str]  # username, password
    mypage: tuple[str, str]
    application_ids: list[int]
    lookups: list[tuple[str, str]]  # receipt number, applicant e-mail


class _CountedRetry(Retry):
    """One re-send of an idempotent request (GET) whose kept-alive connection the server closed as it
    was reused (its keep-alive timeout racing the next request), as browsers do; counted, reported."""

    lock = threading.Lock()
    count = 0

    def increment(self, *args: Any, **kwargs: Any) -> Retry:
        with _CountedRetry.lock:
            _CountedRetry.count += 1
        return super().increment(*args, **kwargs)


def _session() -> requests.Session:
    session = requests.Session()
    retry = _CountedRetry(total=1, connect=1, read=1, status=0, redirect=0, raise_on_status=False)
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


@dataclass
class Recorder:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, elapsed_ms: float, problem: str | None) -> None:
        with self.lock:
            self.samples[kind].append(elapsed_ms)
            if problem:
                self.errors[f"{kind}: {problem}"] += 1


def load_main(args: Any, *, external: bool, say: Say) -> int:
    from django.core.management import call_command
    from django.db import connection

    from calsreg.applications.models import Application

    # urllib3 warns of each re-sent GET; they are counted and printed with the results.
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    if connection.vendor != "postgresql":
        say(
            "refused: the load benchmark runs on PostgreSQL only (unset DATABASE_URL, or give a postgres:// one)"
        )
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    if external and Application.objects.exists():
        say("refused: the database in DATABASE_URL holds applications; the load benchmark needs an empty one")
        return 2
    say(f"loading {args.applications:,} generated applications and the demo data …")
    data = load_data(applications=args.applications, seed=args.seed)
    call_command("collectstatic", interactive=False, verbosity=0)
    connection.close()
    server = Server.start(say=say)
    try:
        result = drive(
            data,
            base=server.base,
            users=args.users,
            seconds=args.seconds,
            seed=args.seed,
            say=say,
            on_start=server.mark,
        )
    finally:
        server_cpu = server.stop()
    print()
    print(result_text(result, users=args.users, seconds=args.seconds, server_cpu=server_cpu))
    problems = server.log_problems()
    print(
        f"server log: {len(problems)} lines naming a failure"
        + "".join(f"\n  {line}" for line in problems[:20])
    )
    if external:
        say("note: the generated data stays in the database in DATABASE_URL")
    return 1 if result.recorder.errors else 0


def load_data(*, applications: int, seed: int) -> LoadData:
    from django.core.management import call_command
    from django.db import connection

    from bench.population import directory_ensure, populate
    from calsreg.applications.models import Application
    from calsreg.demo.flow import DEMO_ACCOUNT_PASSWORD
    from calsreg.demo.staff import DEMO_STAFF

    directory_ensure()
    population = populate(size=applications, seed=seed)
    call_command("load_demo_data", stdout=io.StringIO())
    holder = _account_holder()
    rng = random.Random(seed)
    ids = rng.sample(population.application_ids, min(500, len(population.application_ids)))
    lookups = list(
        Application.objects.filter(pk__in=ids[:200]).values_list("receipt_number", "applicant_email")
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    username, password = DEMO_STAFF[0][:2]
    return LoadData(
        desk=(username, password),
        mypage=(holder, DEMO_ACCOUNT_PASSWORD),
        application_ids=ids,
        lookups=lookups,
    )


def _account_holder() -> str:
    """A my-page account as the demo makes one. The demo submits its applications only into an empty
    database (the generated ones are there first), so one demo application is submitted here and
    taken through the demo's own steps to the start of use; its holder gets the demo password."""
    from django.db import transaction

    from calsreg.accounts.models import User
    from calsreg.applications.models import Channel
    from calsreg.applications.services import application_submit, submission_as_evidence
    from calsreg.applications.validation import validate_application
    from calsreg.demo.applications import demo_payload
    from calsreg.demo.flow import confirm_and_register, demo_account_password_set
    from calsreg.demo.staff import DEMO_STAFF
    from calsreg.directory.models import OrdererOffice
    from calsreg.notifications.services import deliveries_send_due
    from calsreg.records.services import Actor

    desk = Actor.staff(User.objects.get(username=DEMO_STAFF[0][0]))
    office = OrdererOffice.objects.filter(active=True).order_by("code").first()
    raw = demo_payload(index=0, office=office, rng=random.Random(20261124))
    data = validate_application(json.loads(json.dumps(raw)), require_directory_supervisors=True)
    with transaction.atomic():
        application = application_submit(
            data=data,
            channel=Channel.WEB,
            actor=Actor.applicant(raw["applicant_email"]),
            originals=[submission_as_evidence(raw=raw, channel=Channel.WEB)],
        )
        confirm_and_register(application=application, desk=desk, start=True)
    deliveries_send_due()
    username = demo_account_password_set()
    if username is None:
        raise RuntimeError("no my-page account could be made")
    return username


@dataclass
class Server:
    """``scripts/serve.sh`` (gunicorn + task workers) in its own session, so its CPU time can be summed."""

    popen: subprocess.Popen[bytes]
    base: str
    log: Any  # the server's output (gunicorn's error log, the workers'), a temporary file
    cpu_at_start: float = 0.0

    def log_problems(self) -> list[str]:
        """Lines of the server's output that name a failure (a worker timeout, an error, a traceback)."""
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").splitlines()
        return [line for line in lines if re.search(r"ERROR|CRITICAL|WORKER TIMEOUT|Traceback", line)]

    @classmethod
    def start(
        cls, *, say: Say, python: Sequence[str] = (sys.executable,), env: dict[str, str] | None = None
    ) -> Server:
        """``python``: the interpreter command serve.sh runs gunicorn and the workers with."""
        port = _free_port()
        log = tempfile.TemporaryFile()  # noqa: SIM115 - read after the server stopped; closed at exit
        env = {
            **os.environ,
            **SERVER_ENV,
            "CALSREG_BIND": f"127.0.0.1:{port}",
            "CALSREG_STATIC_COLLECTED": "1",
            "CALSREG_ALLOWED_HOSTS": "127.0.0.1",
            **(env or {}),
        }
        popen = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve.sh"), *python],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = cls(popen=popen, base=f"http://127.0.0.1:{port}", log=log)
        server.wait_ready()
        say(f"server: gunicorn (config/gunicorn.conf.py) + task workers on {server.base}")
        return server

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(
                    f"the server exited: {self.popen.stderr.read().decode() if self.popen.stderr else ''}"
                )
            try:
                requests.get(self.base + STATIC_PATH, timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.3)
        raise RuntimeError("the server did not answer")

    def mark(self) -> None:
        """The timed part starts: count the server's CPU from here."""
        self.cpu_at_start = _session_cpu_seconds(self.popen.pid)

    def stop(self) -> float:
        """Stop web and workers; the CPU seconds they used since ``cpu_at_start``."""
        used = _session_cpu_seconds(self.popen.pid) - self.cpu_at_start
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        return used


@dataclass
class Result:
    recorder: Recorder
    elapsed: float
    client_cpu: float


def drive(
    data: LoadData,
    *,
    base: str,
    users: int,
    seconds: float,
    seed: int,
    say: Say,
    on_start: Callable[[], None] = lambda: None,
    mix: Sequence[tuple[str, int]] = MIX,
    sessions: Sequence[_UserSessions] | None = None,
) -> Result:
    """``mix``: (action, weight) pairs; ``sessions``: users signed in before (else signed in here)."""
    if sessions is None:
        sessions = signed_in_users(base, data, users=users, say=say)
    recorder = Recorder()
    stop_at: list[float] = []
    start_event = threading.Event()

    def run(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        start_event.wait()
        # Every action once first, so even a short run hits every page; then the weighted mix.
        for action, _weight in mix:
            sessions[index].act(action, rng=rng, data=data, recorder=recorder)
        while time.monotonic() < stop_at[0]:
            action = rng.choices([name for name, _ in mix], weights=[weight for _, weight in mix])[0]
            sessions[index].act(action, rng=rng, data=data, recorder=recorder)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    say(f"{users} users for {seconds:g} s …")
    on_start()
    client_before = _own_cpu_seconds()
    started = time.monotonic()
    stop_at.append(started + seconds)
    start_event.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return Result(recorder=recorder, elapsed=elapsed, client_cpu=_own_cpu_seconds() - client_before)


def signed_in_users(base: str, data: LoadData, *, users: int, say: Say) -> list[_UserSessions]:
    say(f"signing in {users} users at the desk and at my page …")
    return [_UserSessions.sign_in(base, data) for _ in range(users)]


@dataclass
class _UserSessions:
    base: str
    anonymous: requests.Session
    desk: requests.Session
    mypage: requests.Session
    last_used: dict[int, float] = field(default_factory=dict)

    @classmethod
    def sign_in(cls, base: str, data: LoadData) -> _UserSessions:
        anonymous = _session()
        _get_ok(anonymous, base + "/status/")  # the CSRF cookie for the status lookup
        return cls(
            base=base,
            anonymous=anonymous,
            desk=_signed_in(base, "/desk/login/", *data.desk, then="/desk/"),
            mypage=_signed_in(base, "/mypage/login/", *data.mypage, then="/mypage/"),
        )

    def act(self, action: str, *, rng: random.Random, data: LoadData, recorder: Recorder) -> None:
        if action == "portal":
            self._timed(recorder, "portal top", self.anonymous, "GET", "/")
            self._timed(recorder, "apply form", self.anonymous, "GET", "/apply/")
        elif action == "status":
            receipt_number, email = rng.choice(data.lookups)
            token = self.anonymous.cookies.get("csrftoken", "")
            form = {"csrfmiddlewaretoken": token, "receipt_number": receipt_number, "email": email}
            self._timed(
                recorder,
                "status lookup",
                self.anonymous,
                "POST",
                "/status/",
                data=form,
                expect='id="result-title"',
            )
        elif action == "desk":
            self._timed(recorder, "desk queue", self.desk, "GET", "/desk/")
            pk = rng.choice(data.application_ids)
            self._timed(recorder, "desk detail", self.desk, "GET", f"/desk/applications/{pk}/")
        elif action == "mypage":
            self._timed(recorder, "my page", self.mypage, "GET", "/mypage/")
        else:
            self._timed(recorder, "static css", self.anonymous, "GET", STATIC_PATH)

    def _timed(
        self,
        recorder: Recorder,
        kind: str,
        session: requests.Session,
        method: str,
        path: str,
        *,
        data: dict[str, str] | None = None,
        expect: str | None = None,
    ) -> None:
        problem = None
        # Like a well-behaved HTTP client, never reuse a connection idle nearly as long as the server's
        # keep-alive timeout (gunicorn's 5 s): it may be closing it just as the request arrives.
        if time.monotonic() - self.last_used.get(id(session), 0.0) > IDLE_REUSE_SECONDS:
            session.close()
        started = time.perf_counter()
        try:
            response = session.request(
                method,
                self.base + path,
                data=data,
                allow_redirects=False,
                timeout=60,
                headers={"Referer": self.base + path},
            )
            body = response.content
            if response.status_code != 200:
                problem = f"HTTP {response.status_code}"
            elif expect is not None and expect.encode() not in body:
                problem = "answer without the expected content"
        except requests.RequestException as error:
            problem = type(error).__name__
        recorder.record(kind, (time.perf_counter() - started) * 1000, problem)
        self.last_used[id(session)] = time.monotonic()


def _signed_in(base: str, login_path: str, username: str, password: str, *, then: str) -> requests.Session:
    session = _session()
    _get_ok(session, base + login_path)
    response = session.post(
        base + login_path,
        data={
            "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
            "username": username,
            "password": password,
        },
        headers={"Referer": base + login_path},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in at {login_path} as {username} failed: HTTP {response.status_code}")
    _get_ok(session, base + then)
    return session


def _get_ok(session: requests.Session, url: str) -> None:
    response = session.get(url, allow_redirects=False, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")


def result_text(result: Result, *, users: int, seconds: float, server_cpu: float) -> str:
    recorder = result.recorder
    everything = [ms for samples in recorder.samples.values() for ms in samples]
    lines = [
        f"load benchmark — {users} users, {seconds:g} s, gunicorn (config/gunicorn.conf.py) + task workers, "
        f"{os.cpu_count()} cores",
        "",
        f"{'page':<15} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}",
    ]
    for kind in (*KINDS, "all"):
        samples = everything if kind == "all" else recorder.samples.get(kind, [])
        errors = (
            sum(recorder.errors.values())
            if kind == "all"
            else sum(n for key, n in recorder.errors.items() if key.startswith(f"{kind}:"))
        )
        if not samples:
            lines.append(f"{kind:<15} {0:>9}")
            continue
        lines.append(
            f"{kind:<15} {len(samples):>9,} {len(samples) / result.elapsed:>7.1f} "
            f"{percentile(samples, 50):>8.1f} {percentile(samples, 95):>8.1f} {percentile(samples, 99):>8.1f} {errors:>7}"
        )
    lines += [
        "",
        f"CPU seconds over {result.elapsed:.0f} s: server (web + workers) {server_cpu:.0f}, "
        f"client (this process) {result.client_cpu:.0f}; PostgreSQL's own not counted",
        "errors: " + (", ".join(f"{key} ×{n}" for key, n in sorted(recorder.errors.items())) or "none"),
        f"GETs re-sent once on a kept-alive connection the server had closed (as browsers do): {_CountedRetry.count}",
    ]
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _session_cpu_seconds(session_id: int) -> float:
    """CPU seconds of every process in a session, with their reaped children's (/proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = re.sub(r"^.*\) ", "", text).split()
        # After the name: state, ppid, pgrp, session (index 3), …, utime 11, stime 12, cutime 13, cstime 14.
        if int(fields[3]) == session_id:
            total += sum(int(value) for value in fields[11:15])
    return total / ticks
