"""The search benchmark: the desk's search box beside the queue's first page, as the data grows.

For each size the application tables are refilled (``bench.population``) and ``ACCOUNTS_PER_APPLICATION``
accounts per application are written from the applications' users (ID, name, kana, e-mail, phone as
registration makes them): about 300,000 accounts at 100,000 applications. Then, interleaved, the
queue's first page and each search are requested ``repeat`` times; what is reported per search is
its CPU time (this process: middleware, view, template and the database driver) and wall time, and
the ratio search / queue page of each interleaved pair — median and the 10th–90th percentile — so that
load on the machine moves both sides of a ratio alike.
"""

from __future__ import annotations

import statistics
import string
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.measure import percentile
from bench.population import directory_ensure, populate, population_reset
from bench.queue import _bench_user, _client, bench_views_forget
from bench.report import _line, _width
from calsreg.accounts.models import AccountState, Role, User
from calsreg.applications.models import Application, ApplicationUser

ACCOUNTS_PER_APPLICATION = 3
BATCH_SIZE = 5_000
Say = Callable[[str], None]


@dataclass(frozen=True)
class Search:
    key: str
    label: str
    query: str  # filled in from the data of the size (a person who exists)


@dataclass
class Timing:
    cpu_ms: float
    wall_ms: float
    wall_p95_ms: float
    ratio: float  # median of search / queue page over interleaved pairs (CPU)
    ratio_p10: float
    ratio_p90: float
    queries: int

    def as_dict(self) -> dict[str, float | int]:
        return self.__dict__.copy()


@dataclass
class SizeResult:
    size: int
    accounts: int
    populate_seconds: float
    queue_cpu_ms: float = 0.0
    queue_queries: int = 0
    timings: dict[str, Timing] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def searches() -> list[Search]:
    """What an operator types, taken from one account and one application of the data."""
    account = User.objects.filter(role=Role.CONTRACTOR).order_by("pk").first()
    application = Application.objects.order_by("pk").first()
    assert account is not None and application is not None
    surname = account.display_name.split("\u3000")[0]
    hiragana = "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in account.kana)
    digits = account.phone.replace("-", "")
    wide = digits.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    return [
        Search("phone", "phone, full-width digits", wide),
        Search("name", f"surname “{surname}” (prefix)", surname),
        Search("kana", "kana in hiragana", hiragana.replace("\u3000", " ")),
        Search("email", "e-mail, upper case", account.email.upper()),
        Search("user_id", "user ID prefix", account.username.split(".")[0]),
        Search("receipt", "receipt number prefix", application.receipt_number[:-1]),
        Search("project_name", "part of a project name “護岸”", "護岸"),
    ]


def search_benchmark_size(
    *, size: int, repeat: int, seed: int = 2026, analyze: bool = False, say: Say | None = None
) -> SizeResult:
    say = say or (lambda message: None)
    started = time.perf_counter()
    search_reset()
    directory_ensure()
    populate(size=size, seed=seed)
    accounts = accounts_populate(per_application=ACCOUNTS_PER_APPLICATION)
    if analyze and connection.vendor == "postgresql":
        _vacuum_analyze()
    result = SizeResult(size=size, accounts=accounts, populate_seconds=time.perf_counter() - started)
    say(f"  populated in {result.populate_seconds:.1f} s ({accounts:,} accounts); measuring …")
    client = _client(_bench_user(admin=False))
    queue = reverse("desk:queue")
    result.queue_queries = _queries(client, queue)
    queue_samples: list[float] = []
    for search in searches():
        url = f"{reverse('desk:search')}?{urlencode({'q': search.query})}"
        result.labels[search.key] = search.label
        queries = _queries(client, url)
        pairs = [(_timed(client, queue), _timed(client, url)) for _ in range(repeat)]
        queue_samples += [q[0] for q, _ in pairs]
        cpu = [s[0] for _, s in pairs]
        wall = [s[1] for _, s in pairs]
        ratios = [s[0] / q[0] for q, s in pairs]
        result.timings[search.key] = Timing(
            cpu_ms=statistics.median(cpu),
            wall_ms=statistics.median(wall),
            wall_p95_ms=percentile(wall, 95),
            ratio=statistics.median(ratios),
            ratio_p10=percentile(ratios, 10),
            ratio_p90=percentile(ratios, 90),
            queries=queries,
        )
    result.queue_cpu_ms = statistics.median(queue_samples)
    return result


def accounts_populate(*, per_application: int) -> int:
    """Contractor accounts from the applications' users, ``per_application`` per application on
    average (IDs of the seed's shape, unusable passwords: nobody signs in with them)."""
    total = Application.objects.count() * per_application
    suffixes: dict[str, int] = {}
    written = 0
    users = ApplicationUser.objects.order_by("pk").values_list(
        "requested_id", "name", "kana", "email", "phone"
    )
    batch: list[User] = []
    for requested_id, name, kana, email, phone in users.iterator(chunk_size=BATCH_SIZE):
        if written + len(batch) >= total:
            break
        stem = requested_id.lower()[:10]
        n = suffixes.get(stem, 0)
        suffixes[stem] = n + 1
        batch.append(
            User(
                username=f"{stem}.{_letters(n)}",
                role=Role.CONTRACTOR,
                state=AccountState.ACTIVE,
                display_name=name,
                kana=kana,
                email=email,
                phone=phone,
                password="!",
            )
        )
        if len(batch) == BATCH_SIZE:
            written += _write(batch)
            batch = []
    return written + _write(batch)


def search_reset() -> None:
    bench_views_forget()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(User._meta.db_table)} WHERE role = %s",
            [Role.CONTRACTOR],
        )
    population_reset()


def _write(batch: list[User]) -> int:
    with transaction.atomic():
        User.objects.bulk_create(batch)
    return len(batch)


def _letters(n: int) -> str:
    letters = string.ascii_lowercase
    return letters[n // 676 % 26] + letters[n // 26 % 26] + letters[n % 26]


def _timed(client: Client, url: str) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def _queries(client: Client, url: str) -> int:
    _timed(client, url)  # warm-up
    with CaptureQueriesContext(connection) as captured:
        _timed(client, url)
    return len(captured.captured_queries)


def _vacuum_analyze() -> None:
    with connection.cursor() as cursor:
        for model in (Application, ApplicationUser, User):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def results_table(results: Sequence[SizeResult]) -> str:
    headers = ["search", *(f"{r.size:,}: CPU ms, × queue p1 (p10–p90)" for r in results), "queries"]
    rows = [
        [
            "desk queue, page 1",
            *(f"{r.queue_cpu_ms:.1f} ms, 1×" for r in results),
            _counts([r.queue_queries for r in results]),
        ]
    ]
    for key, label in results[0].labels.items():
        timings = [r.timings[key] for r in results]
        cells = [f"{t.cpu_ms:.1f} ms, {t.ratio:.2f}× ({t.ratio_p10:.2f}–{t.ratio_p90:.2f})" for t in timings]
        rows.append([label, *cells, _counts([t.queries for t in timings])])
    widths = [max(_width(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [_line(headers, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in rows]
    for r in results:
        lines.append(
            f"({r.size:,} applications, {r.accounts:,} accounts: populated in {r.populate_seconds:.1f} s)"
        )
    return "\n".join(lines)


def _counts(counts: list[int]) -> str:
    return str(counts[0]) if len(set(counts)) == 1 else " → ".join(map(str, counts))


def search_main(args: Any, *, external: bool, say: Say) -> int:
    """``python -m bench search``: run at each size, print, write bench/results/…-search.json."""
    import os
    from datetime import datetime

    from django.core.management import call_command

    from bench.report import cpu_model, results_write

    if external:
        say("refused: the search benchmark needs a throwaway database (unset DATABASE_URL, or --sqlite)")
        return 2
    call_command("migrate", interactive=False, verbosity=0)
    results = []
    for size in args.sizes:
        say(f"{size:,} applications: populating and measuring ({args.repeat} repeats per search) …")
        results.append(
            search_benchmark_size(size=size, repeat=args.repeat, seed=args.seed, analyze=True, say=say)
        )
    print(
        f"\nsearch benchmark — {connection.vendor}, {os.cpu_count()} cores, {cpu_model()}, {args.repeat} repeats\n"
    )
    print(results_table(results))
    recorded_at = datetime.now().astimezone()
    document = {
        "benchmark": "search",
        "recorded_at": recorded_at.isoformat(timespec="seconds"),
        "database": connection.vendor,
        "repeat": args.repeat,
        "sizes": {
            str(r.size): {
                "accounts": r.accounts,
                "queue_cpu_ms": r.queue_cpu_ms,
                "searches": {k: t.as_dict() for k, t in r.timings.items()},
            }
            for r in results
        },
    }
    path = results_write(document, recorded_at=recorded_at)
    print(f"\nwritten: {path.relative_to(path.parent.parent.parent)}")
    return 0
