"""``python -m bench [targets] [--only queue,dashboard] [--quick] [--rounds 3]``: the targets table.

Populates each data set once into its own database, measures the chosen targets in interleaved
rounds and prints the table (and writes it to bench/results/).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.test import Client

from bench.hooks import refresh_hooks
from bench.measure import PageFailed
from bench.sidebyside import SideBySide
from bench.targets import (
    PENDING,
    QUICK_SIZES,
    SIZES,
    Row,
    Side,
    Target,
    page_targets,
    page_url,
    pending_rows,
    rows_table,
    run_page_targets,
)

Say = Callable[[str], None]
GROUPS = ("queue", "admin", "million", "dashboard")
LOGIN_BACKEND = "calsreg.accounts.backends.AccountBackend"


def chosen(targets: Sequence[Target], only: Sequence[str] | None) -> list[Target]:
    if not only:
        return list(targets)
    unknown = set(only) - {t.group for t in targets} - {t.key for t in targets} - {p[0] for p in PENDING}
    if unknown:
        raise ValueError(f"unknown targets: {', '.join(sorted(unknown))}")
    return [t for t in targets if t.group in only or t.key in only]


def datasets_needed(targets: Sequence[Target]) -> dict[str, bool]:
    """Data set → whether it needs the dashboard's projects, invoices and change requests too."""
    needed: dict[str, bool] = {}
    for target in targets:
        for side in (target.measured, target.against):
            needed[side.dataset] = needed.get(side.dataset, False) or target.group == "dashboard"
    return needed


def targets_main(args: Any, *, say: Say) -> int:
    from bench.report import cpu_model, results_write

    sizes = QUICK_SIZES if args.quick else SIZES
    try:
        targets = chosen(page_targets(), args.only)
    except ValueError as error:
        say(f"refused: {error}")
        return 2
    side_by_side = SideBySide()
    side_by_side.template()
    hooks = [name for name, _ in refresh_hooks()]
    say(f"refresh hooks present: {', '.join(hooks) or 'none'}")
    populate_seconds = {}
    try:
        for dataset, full in sorted(datasets_needed(targets).items(), key=lambda item: sizes[item[0]]):
            say(
                f"{dataset}: {sizes[dataset]:,} applications{' with projects, invoices, changes' if full else ''} …"
            )
            started = time.perf_counter()
            side_by_side.create(dataset)
            dataset_populate(size=sizes[dataset], full=full, seed=args.seed, say=say)
            populate_seconds[dataset] = round(time.perf_counter() - started, 1)
            say(f"  populated in {populate_seconds[dataset]:.1f} s")
        clients: dict[tuple[str, str], Client] = {}

        def request(side: Side) -> None:
            key = (side.dataset, side.user)
            if key not in clients:
                clients[key] = _client(side.user)
            url = page_url(side.page, size=sizes[side.dataset])
            response = clients[key].get(url)
            if response.status_code != 200:
                raise PageFailed(f"GET {url} on {side.dataset} answered {response.status_code}")

        say(f"measuring {len(targets)} targets, {args.rounds} rounds × {args.repeat} requests …")
        rows = run_page_targets(
            targets, rounds=args.rounds, repeat=args.repeat, use=side_by_side.use, request=request
        )
        rows += pending_rows(args.only)
        vendor = connection.vendor
    finally:
        side_by_side.drop_all()
    print()
    print(rows_table(rows, sizes=sizes))
    recorded_at = datetime.now().astimezone()
    path = results_write(
        {
            "benchmark": "targets",
            "recorded_at": recorded_at.isoformat(timespec="seconds"),
            "database": vendor,
            "machine": {"cpu": cpu_model()},
            "rounds": args.rounds,
            "repeat": args.repeat,
            "sizes": sizes,
            "populate_seconds": populate_seconds,
            "refresh_hooks": hooks,
            "rows": [row.as_dict() for row in rows],
        },
        recorded_at=recorded_at,
    )
    print(f"\npopulate: {populate_seconds}\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def dataset_populate(*, size: int, full: bool, seed: int, say: Say) -> None:
    """Fill the current (empty, migrated) database: applications, or the dashboard's whole set."""
    from bench import dashboard, queue
    from bench.population import directory_ensure, populate

    if full:
        dashboard.dashboard_populate(size=size, seed=seed, analyze=True, say=say)
    else:
        directory_ensure()
        populate(size=size, seed=seed)
        dashboard._bench_users()
        if connection.vendor == "postgresql":
            queue._vacuum_analyze()
    queue._bench_user(admin=False)
    queue._bench_user(admin=True)


def _client(user: str) -> Client:
    from bench import dashboard, queue
    from calsreg.accounts.models import User

    username = {
        "desk": queue.DESK_USERNAME,
        "admin": queue.ADMIN_USERNAME,
        "administrator": dashboard.ADMIN_USERNAME,
    }[user]
    client = Client()
    client.force_login(User.objects.get(username=username), backend=LOGIN_BACKEND)
    return client


def rows_of(rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [row.as_dict() for row in rows]
