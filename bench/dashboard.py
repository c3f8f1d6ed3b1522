"""The dashboard benchmark: the dashboard, "my work" and the unassigned list as the data grows.

For each size the tables are emptied and refilled: ``size`` applications (``bench.population``) with
the step timestamps the services would have written (received → confirmed → registered → in service,
each step done by the desk within its hours), a started project with an invoice in a realistic state
for every application in service (``bench.billing``'s builder: issued over the last two years, most
paid, a few overdue), change requests for one project in twenty, and operators in charge of the open
cases. Then each page is timed as in ``bench.queue``.

The question it answers: does the dashboard stay as fast at 100,000 applications as at 1,000, and
does its number of SQL queries stay the same? Meant for a throwaway database (projects and invoices
have PROTECT keys; the tables are emptied with plain DELETEs between sizes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from bench.billing import _plans, _projects_with_invoices
from bench.copyload import copy_supported, copy_update
from bench.hooks import refresh_derived
from bench.measure import PageTiming, time_page
from bench.population import directory_ensure, populate, population_reset, rows_write
from bench.report import _line, _width
from calsreg.accounts.models import Project, Role, User
from calsreg.applications.models import Application, ApplicationStepTime
from calsreg.applications.states import Status
from calsreg.billing.models import Invoice, InvoiceCounter, InvoiceDeferral, InvoiceLine
from calsreg.changes.models import (
    ChangeChannel,
    ChangeCounter,
    ChangeItem,
    ChangeRequest,
    ChangeRequestStepTime,
    ChangeStatus,
)
from calsreg.core import clock
from calsreg.core.business_hours import JAPAN
from calsreg.core.calendar import is_business_day
from calsreg.desk.dashboard.timers import APPLICATION_RUNNING_STEP

BATCH_SIZE = 5_000
LOGIN_BACKEND = "calsreg.accounts.backends.AccountBackend"
ADMIN_USERNAME = "bench-dash-admin"  # an administrator by role (every panel), not a superuser
DESK_USERNAME = "bench-dash-desk"
OTHER_OPERATORS = 11  # colleagues of the measured operator
MY_APPLICATIONS = 25  # open applications the measured operator is in charge of, at every size
MY_CHANGE_REQUESTS = 5
ASSIGNED_SHARE = 0.6  # of the other open cases: in someone's charge; the rest wait to be taken
CHANGE_REQUEST_SHARE = 0.05  # change requests per project
# Desk work per step, in calendar days (lognormal: most fast, a long tail), before rounding into
# the desk's hours: received → confirmed waits for the supervisor's reply and call; registered →
# in service waits for the start of the construction.
STEP_DELAY_DAYS = {"confirmed": (1.2, 0.8), "registered": (0.3, 0.9), "in_service": (2.0, 1.0)}
CHANGE_DELAY_DAYS = {"verified": (0.6, 0.8), "applied": (0.2, 0.8)}
Say = Callable[[str], None]


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    user: str  # which bench user requests it


PAGES = (
    Page("dashboard", "dashboard (administrator: every panel)", ADMIN_USERNAME),
    Page("dashboard_desk", "dashboard (help desk: no billing panel)", DESK_USERNAME),
    Page("work", f"my work ({MY_APPLICATIONS} + {MY_CHANGE_REQUESTS} cases)", DESK_USERNAME),
    Page("work_unassigned", "unassigned work (oldest 50 + 50)", DESK_USERNAME),
)


@dataclass
class SizeResult:
    size: int
    populate_seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, PageTiming] = field(default_factory=dict)


def dashboard_benchmark_size(
    *, size: int, repeat: int, seed: int = 2026, analyze: bool = False, say: Say | None = None
) -> SizeResult:
    """Refill the tables with ``size`` applications and what hangs off them, and time every page."""
    say = say or (lambda message: None)
    started = time.perf_counter()
    dashboard_reset()
    users = dashboard_populate(size=size, seed=seed, analyze=analyze, say=say)
    result = SizeResult(size=size, populate_seconds=time.perf_counter() - started, counts=_counts())
    say(f"  populated in {result.populate_seconds:.1f} s: {result.counts}; measuring …")
    clients = {user.username: _client(user) for user in (users[ADMIN_USERNAME], users[DESK_USERNAME])}
    for page in PAGES:
        result.timings[page.key] = time_page(clients[page.user], [page_url(page.key)], repeat=repeat)
    return result


def page_url(key: str) -> str:
    names = {"dashboard": "dashboard", "dashboard_desk": "dashboard", "work": "work"}
    return reverse(f"desk:{names.get(key, key)}")


def dashboard_populate(
    *, size: int, seed: int = 2026, analyze: bool = False, say: Say | None = None
) -> dict[str, User]:
    """Add ``size`` applications and what hangs off them to empty tables; return the bench users."""
    say = say or (lambda message: None)
    directory_ensure()
    rng = random.Random(seed)
    now = clock.now()
    application_ids = populate(size=size, seed=seed, now=now).application_ids
    say(f"  {size:,} applications written; step timestamps and operators …")
    users = _bench_users()
    _steps_and_operators(rng, application_ids, now=now, users=users)
    in_service = list(
        Application.objects.filter(status=Status.IN_SERVICE).order_by("id").values_list("id", flat=True)
    )
    say(f"  {len(in_service):,} projects with invoices …")
    _projects_with_invoices(rng, in_service, plans=_plans(), today=clock.today(), drafts=False)
    _change_requests(rng, now=now, users=users)
    refresh_derived()  # the step timestamps above came after population's own refresh
    if analyze and connection.vendor == "postgresql" and not connection.in_atomic_block:
        _vacuum_analyze()
    return users


def dashboard_reset() -> None:
    """Empty what this benchmark writes: change requests, invoices, projects, then the applications."""
    tables = [
        ChangeItem._meta.db_table,
        ChangeRequestStepTime._meta.db_table,
        ChangeRequest._meta.db_table,
        ChangeCounter._meta.db_table,
        InvoiceDeferral._meta.db_table,
        InvoiceLine._meta.db_table,
        Invoice._meta.db_table,
        InvoiceCounter._meta.db_table,
        Project._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    population_reset()


# --- population -----------------------------------------------------------------------------------


def _bench_users() -> dict[str, User]:
    users = {}
    specs = [(ADMIN_USERNAME, Role.ADMINISTRATOR), (DESK_USERNAME, Role.HELP_DESK)]
    specs += [(f"bench-dash-op{i:02d}", Role.HELP_DESK) for i in range(1, OTHER_OPERATORS + 1)]
    for username, role in specs:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "display_name": f"ベンチ {username[-4:]}"}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users[username] = user
    return users


def desk_moment(
    rng: random.Random, after: datetime, *, median_days: float, sigma: float, now: datetime
) -> datetime:
    """When the desk finished a step begun at ``after``: a lognormal delay, then moved into the
    desk's hours (9–17 on a business day, rolled forward), never later than ``now``."""
    moment = after + timedelta(days=rng.lognormvariate(0, sigma) * median_days)
    local = moment.astimezone(JAPAN)
    if not is_business_day(local.date()) or not 9 <= local.hour < 17:
        day = local.date() + timedelta(days=0 if local.hour < 9 else 1)
        while not is_business_day(day):
            day += timedelta(days=1)
        local = datetime(day.year, day.month, day.day, 9, tzinfo=JAPAN) + timedelta(
            minutes=rng.randrange(8 * 60)
        )
    return max(after, min(local, now - timedelta(minutes=1)))


_STEP_FIELDS = ("confirmed_at", "registered_at", "in_service_at")
_STEPS_REACHED = {
    Status.CONFIRMED: 1,
    Status.REGISTERED: 2,
    Status.IN_SERVICE: 3,
}


def _steps_and_operators(
    rng: random.Random, application_ids: Sequence[int], *, now: datetime, users: dict[str, User]
) -> None:
    """Step timestamps for every application that reached a step, and operators for the open ones:
    ``MY_APPLICATIONS`` of the oldest open ones to the measured operator, ``ASSIGNED_SHARE`` of the
    others to colleagues."""
    me = users[DESK_USERNAME]
    colleagues = [user for name, user in users.items() if name.startswith("bench-dash-op")]
    mine = 0
    for start in range(0, len(application_ids), BATCH_SIZE):
        rows = Application.objects.filter(pk__in=application_ids[start : start + BATCH_SIZE]).values_list(
            "id", "status", "submitted_at"
        )
        updates = []
        for pk, status, submitted_at in rows.order_by("submitted_at", "id"):
            application = Application(pk=pk)
            previous = submitted_at
            for step_field in _STEP_FIELDS[: _STEPS_REACHED.get(status, 0)]:
                median_days, sigma = STEP_DELAY_DAYS[step_field.removesuffix("_at")]
                previous = desk_moment(rng, previous, median_days=median_days, sigma=sigma, now=now)
                setattr(application, step_field, previous)
            if status in APPLICATION_RUNNING_STEP:
                if mine < MY_APPLICATIONS:
                    application.assigned_to = me
                    mine += 1
                elif rng.random() < ASSIGNED_SHARE:
                    application.assigned_to = rng.choice(colleagues)
            updates.append(application)
        if copy_supported():
            copy_update(Application, updates, [*_STEP_FIELDS, "assigned_to"])
        else:
            Application.objects.bulk_update(updates, [*_STEP_FIELDS, "assigned_to"], batch_size=1_000)


def _change_requests(rng: random.Random, *, now: datetime, users: dict[str, User]) -> None:
    """One change request for about one project in twenty, filed since the project started, in a
    state that depends on its age (recent ones still being worked)."""
    projects = list(Project.objects.order_by("id").values_list("id", "started_at"))
    chosen = rng.sample(projects, k=max(1, int(len(projects) * CHANGE_REQUEST_SHARE))) if projects else []
    chosen.sort(key=lambda row: row[1] or now)
    me = users[DESK_USERNAME]
    colleagues = [user for name, user in users.items() if name.startswith("bench-dash-op")]
    requests = []
    counters: dict[int, int] = {}
    mine = 0
    for project_id, started_at in chosen:
        began = started_at or now - timedelta(days=30)
        submitted_at = desk_moment(
            rng,
            began + timedelta(days=rng.uniform(0, max(1.0, (now - began).days))),
            median_days=0.01,
            sigma=0.1,
            now=now,
        )
        year = submitted_at.astimezone(JAPAN).year
        counters[year] = counters.get(year, 0) + 1
        age_days = (now - submitted_at).days
        status = _change_status(rng, age_days=age_days)
        request = ChangeRequest(
            number=f"C{year}-{counters[year]:05d}",
            project_id=project_id,
            status=status,
            channel=rng.choice(ChangeChannel.values),
            submitted_at=submitted_at,
            requester_name="ベンチ 申込者",
        )
        if status in (ChangeStatus.VERIFIED, ChangeStatus.APPLIED):
            median_days, sigma = CHANGE_DELAY_DAYS["verified"]
            request.verified_at = desk_moment(
                rng, submitted_at, median_days=median_days, sigma=sigma, now=now
            )
        if status == ChangeStatus.APPLIED:
            median_days, sigma = CHANGE_DELAY_DAYS["applied"]
            request.applied_at = desk_moment(
                rng, request.verified_at or submitted_at, median_days=median_days, sigma=sigma, now=now
            )
        if status == ChangeStatus.REJECTED:
            request.rejected_at = desk_moment(rng, submitted_at, median_days=1, sigma=0.5, now=now)
        if status in (ChangeStatus.SUBMITTED, ChangeStatus.VERIFIED):
            if mine < MY_CHANGE_REQUESTS:
                request.assigned_to = me
                mine += 1
            elif rng.random() < ASSIGNED_SHARE:
                request.assigned_to = rng.choice(colleagues)
        requests.append(request)
    rows_write(ChangeRequest, requests)
    for year, last in counters.items():
        ChangeCounter.objects.update_or_create(year=year, defaults={"last": last})


def _change_status(rng: random.Random, *, age_days: int) -> str:
    if age_days < 7:
        weights = {ChangeStatus.SUBMITTED: 45, ChangeStatus.VERIFIED: 30, ChangeStatus.APPLIED: 20}
        weights[ChangeStatus.REJECTED] = 5
    else:
        weights = {ChangeStatus.APPLIED: 90, ChangeStatus.REJECTED: 10}
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _counts() -> dict[str, int]:
    return {
        "applications": Application.objects.count(),
        "open_applications": Application.objects.filter(status__in=list(APPLICATION_RUNNING_STEP)).count(),
        "projects": Project.objects.count(),
        "invoices": Invoice.objects.count(),
        "change_requests": ChangeRequest.objects.count(),
    }


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for model in (
            Application,
            ApplicationStepTime,
            Project,
            Invoice,
            InvoiceLine,
            ChangeRequest,
            ChangeRequestStepTime,
        ):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=LOGIN_BACKEND)
    return client


# --- output ------------------------------------------------------------------------------------------


def results_table(results: Sequence[SizeResult]) -> str:
    """page | <size> … | ratio | queries, as ``bench.report.results_table`` for the queue."""
    headers = ["page", *(f"{r.size:,}: median / p95 (SQL)" for r in results), "ratio", "queries"]
    rows = []
    for page in PAGES:
        timings = [r.timings[page.key] for r in results]
        cells = [f"{t.median_ms:.1f} / {t.p95_ms:.1f} ms ({t.sql_ms:.1f})" for t in timings]
        ratio = f"{timings[-1].median_ms / timings[0].median_ms:.1f}×" if len(timings) > 1 else "–"
        counts = sorted({t.queries for t in timings})
        queries = str(counts[0]) if len(counts) == 1 else " → ".join(str(t.queries) for t in timings)
        rows.append([page.label, *cells, ratio, queries])
    widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in rows]
    for r in results:
        lines.append(f"({r.size:,}: populated in {r.populate_seconds:.1f} s — {r.counts})")
    return "\n".join(lines)


def dashboard_main(args: Any, *, external: bool, say: Say) -> int:
    """``python -m bench dashboard``: run at each size, print, write bench/results/…-dashboard.json."""
    import os

    from django.core.management import call_command

    from bench.report import cpu_model, results_write

    if external:
        # Projects and invoices are emptied with plain DELETEs: never on a database that matters.
        say("refused: the dashboard benchmark needs a throwaway database (unset DATABASE_URL, or --sqlite)")
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    results = []
    for size in args.sizes:
        say(f"{size:,} applications: populating and measuring ({args.repeat} repeats per page) …")
        results.append(
            dashboard_benchmark_size(size=size, repeat=args.repeat, seed=args.seed, analyze=True, say=say)
        )
    version = _server_version()
    print(
        f"\ndashboard benchmark — {connection.vendor} {version}, {os.cpu_count()} cores, {cpu_model()}, "
        f"{args.repeat} repeats, server time in-process\n"
    )
    print(results_table(results))
    recorded_at = datetime.now().astimezone()
    document = {
        "benchmark": "dashboard",
        "recorded_at": recorded_at.isoformat(timespec="seconds"),
        "database": f"{connection.vendor} {version}",
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count()},
        "repeat": args.repeat,
        "seed": args.seed,
        "sizes": [r.size for r in results],
        "populate_seconds": {str(r.size): round(r.populate_seconds, 2) for r in results},
        "counts": {str(r.size): r.counts for r in results},
        "pages": {
            page.key: {
                "label": page.label,
                "results": {str(r.size): r.timings[page.key].as_dict() for r in results},
            }
            for page in PAGES
        },
    }
    path = results_write(document, recorded_at=recorded_at)
    print(f"\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def _server_version() -> str:
    import sqlite3

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return str(cursor.fetchone()[0])
    return sqlite3.sqlite_version
