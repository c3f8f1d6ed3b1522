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

from bench.hooks import refresh_derived, refresh_hooks
from bench.measure import PageFailed
from bench.sidebyside import SideBySide
from bench.targets import (
    QUICK_SIZES,
    QUICK_WORK_SIZES,
    SIZES,
    WORK_SIZES,
    Row,
    Side,
    Target,
    last_page_url,
    page_targets,
    page_url,
    rows_table,
    run_page_targets,
)

Say = Callable[[str], None]
GROUPS = ("queue", "admin", "million", "dashboard")
# The targets that are not one page, in the order they run (web last: it starts its own server),
# and the data sets each needs.
WORK_TARGETS = {
    "zengin": ("open_1k", "open_10k", "open_100k"),
    "billing_run": ("drafts",),
    "registration": ("registration",),
    "mailbox": ("mailbox",),
    "web": ("web",),
}
LOGIN_BACKEND = "calsreg.accounts.backends.AccountBackend"


def chosen(targets: Sequence[Target], only: Sequence[str] | None) -> list[Target]:
    if not only:
        return list(targets)
    unknown = set(only) - {t.group for t in targets} - {t.key for t in targets} - set(WORK_TARGETS)
    if unknown:
        raise ValueError(f"unknown targets: {', '.join(sorted(unknown))}")
    return [t for t in targets if t.group in only or t.key in only]


def work_chosen(only: Sequence[str] | None) -> list[str]:
    return [name for name in WORK_TARGETS if not only or name in only]


def datasets_needed(targets: Sequence[Target], work: Sequence[str] = ()) -> dict[str, str]:
    """Data set → how to fill it: ``applications``, ``dashboard`` (with projects, invoices, change
    requests), ``open_invoices``, ``drafts``, ``registration``, ``mailbox`` or ``web``."""
    needed: dict[str, str] = {}
    for target in targets:
        for side in (target.measured, target.against):
            if target.group == "dashboard" or needed.get(side.dataset) != "dashboard":
                needed[side.dataset] = "dashboard" if target.group == "dashboard" else "applications"
    for name in work:
        for dataset in WORK_TARGETS[name]:
            needed[dataset] = "open_invoices" if dataset.startswith("open_") else dataset
    return needed


def targets_main(args: Any, *, say: Say) -> int:
    from bench.report import cpu_model, results_write

    sizes = {**(QUICK_SIZES if args.quick else SIZES), **(QUICK_WORK_SIZES if args.quick else WORK_SIZES)}
    try:
        targets = chosen(page_targets(), args.only)
    except ValueError as error:
        say(f"refused: {error}")
        return 2
    work = work_chosen(args.only)
    side_by_side = SideBySide()
    side_by_side.template()
    hooks = [name for name, _ in refresh_hooks()]
    say(f"refresh hooks present: {', '.join(hooks) or 'none'}")
    populate_seconds: dict[str, float] = {}
    extras: dict[str, Any] = {}
    try:
        for dataset, kind in sorted(datasets_needed(targets, work).items(), key=lambda item: sizes[item[0]]):
            say(f"{dataset}: {sizes[dataset]:,} ({kind}) …")
            started = time.perf_counter()
            side_by_side.create(dataset)
            extras[dataset] = dataset_populate(size=sizes[dataset], kind=kind, seed=args.seed, say=say)
            populate_seconds[dataset] = round(time.perf_counter() - started, 1)
            say(f"  populated in {populate_seconds[dataset]:.1f} s")
        rows: list[Row] = []
        if targets:
            say(f"measuring {len(targets)} page targets, {args.rounds} rounds × {args.repeat} requests …")
            rows += run_page_targets(
                targets,
                rounds=args.rounds,
                repeat=args.repeat,
                use=side_by_side.use,
                request=page_requester(sizes),
            )
        rows += work_rows(work, args=args, side_by_side=side_by_side, extras=extras, sizes=sizes, say=say)
        vendor = connection.vendor
    finally:
        side_by_side.drop_all()
    page_sizes = {name: sizes[name] for name in SIZES}
    print()
    print(rows_table(rows, sizes=page_sizes))
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
    print(f"\npopulate (s): {populate_seconds}\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0


def work_rows(
    work: Sequence[str],
    *,
    args: Any,
    side_by_side: SideBySide,
    extras: dict[str, Any],
    sizes: dict[str, int],
    say: Say,
) -> list[Row]:
    """Measure the chosen targets that are not one page, each on its own data sets."""
    from bench import web_target, work_targets

    rows: list[Row] = []
    if "zengin" in work:
        measured = work_targets.run_zengin(
            rounds=args.rounds, use=side_by_side.use, sets=WORK_TARGETS["zengin"], seed=args.seed, say=say
        )
        rows += work_targets.zengin_rows(measured)
    if "billing_run" in work:
        side_by_side.use("drafts")
        rows.append(work_targets.run_billing(rounds=args.rounds, say=say))
    if "registration" in work:
        side_by_side.use("registration")
        rows.append(work_targets.run_registration(rounds=args.rounds, count=sizes["registration"], say=say))
    if "mailbox" in work:
        from bench import mailbox_target

        side_by_side.use("mailbox")
        rows.append(mailbox_target.run_mailbox(rounds=args.rounds, count=sizes["mailbox"], say=say))
    if "web" in work:
        side_by_side.use("web")
        rows.append(
            web_target.run_web(
                database=side_by_side.names["web"],
                rounds=args.rounds,
                seconds=args.seconds,
                users=args.users,
                data=extras["web"],
                say=say,
            )
        )
    return rows


def page_requester(sizes: dict[str, int]) -> Callable[[Side], None]:
    """``request(side)``: one GET of the side's page with a client per data set and user; the last
    page's URL is found once per data set by following the oldest link of page 1."""
    clients: dict[tuple[str, str], Client] = {}
    urls: dict[tuple[str, str], str] = {}

    def get(client: Client, url: str, dataset: str) -> str:
        response = client.get(url)
        if response.status_code != 200:
            raise PageFailed(f"GET {url} on {dataset} answered {response.status_code}")
        return response.content.decode()

    def request(side: Side) -> None:
        key = (side.dataset, side.user)
        if key not in clients:
            clients[key] = _client(side.user)
        size = sizes[side.dataset]
        if (side.dataset, side.page) not in urls:
            url = page_url(side.page, size=size)
            if side.page == "queue_last":
                first = page_url("queue_first", size=size)
                url = last_page_url(get(clients[key], first, side.dataset), first_url=first, size=size)
            urls[side.dataset, side.page] = url
        get(clients[key], urls[side.dataset, side.page], side.dataset)

    return request


def dataset_populate(*, size: int, kind: str, seed: int, say: Say) -> Any:
    """Fill the current (empty, migrated) database for ``kind`` (see ``datasets_needed``); return
    what measuring it needs (the web data set's users and lookups), else None."""
    from bench import billing, dashboard, load, queue
    from bench.population import directory_ensure, populate

    if kind == "web":
        return load.load_data(applications=size, seed=seed)
    if kind == "registration":
        return None  # setting_prepare() makes what it needs
    if kind == "mailbox":
        from bench.mailbox_target import mailbox_populate

        mailbox_populate()
        return None
    if kind == "dashboard":
        dashboard.dashboard_populate(size=size, seed=seed, analyze=True, say=say)
    else:
        directory_ensure()
        ids = populate(size=size, seed=seed).application_ids
        if kind in ("open_invoices", "drafts"):
            billing.invoices_populate(ids, seed=seed, drafts=kind == "drafts")
            refresh_derived()
        dashboard._bench_users()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:  # tests: in a transaction
            dashboard._vacuum_analyze()
    queue._bench_user(admin=False)
    queue._bench_user(admin=True)
    return None


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
