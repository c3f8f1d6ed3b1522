"""Server time of one page, measured in-process with Django's test client.

What is timed is the whole request through the middleware, the view, its queries and the template,
as ``Client.get`` sees it; no network, no browser. The query count and the time spent in the database
come from one separate request under ``CaptureQueriesContext``, so recording the SQL does not slow the
timed requests. The SQL time is the time spent in ``cursor.execute()``: on PostgreSQL that includes
fetching the rows; on SQLite rows are computed while they are fetched, so there it understates.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


class PageFailed(RuntimeError):
    """A page answered with something other than 200 OK: the benchmark would time an error page."""


@dataclass(frozen=True)
class PageTiming:
    median_ms: float
    p95_ms: float
    queries: int
    sql_ms: float  # time in cursor.execute() during the one request whose queries were counted
    slowest_sql_ms: float
    slowest_sql: str  # with placeholders, not values
    samples: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def time_page(client: Client, urls: Sequence[str], *, repeat: int) -> PageTiming:
    """Median and p95 of ``repeat`` requests after one warm-up; the requests cycle through ``urls``.

    Raises ``PageFailed`` if any request does not answer 200.
    """
    if repeat < 1 or not urls:
        raise ValueError("need at least one URL and one repetition")
    _get(client, urls[0])  # warm-up: URL resolver, template loader, connection
    sql_timer = _SqlTimer()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(sql_timer):
        _get(client, urls[0])
    # Read now: captured_queries slices the connection's log, which the next request clears.
    queries = len(captured.captured_queries)
    samples_ms = []
    for i in range(repeat):
        started = time.perf_counter()
        _get(client, urls[i % len(urls)])
        samples_ms.append((time.perf_counter() - started) * 1000)
    return PageTiming(
        median_ms=statistics.median(samples_ms),
        p95_ms=percentile(samples_ms, 95),
        queries=queries,
        sql_ms=sql_timer.total_ms,
        slowest_sql_ms=sql_timer.slowest_ms,
        slowest_sql=sql_timer.slowest_sql,
        samples=repeat,
    )


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``percent`` % of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


class _SqlTimer:
    """An execute wrapper adding up the time of each statement (the query log rounds to 1 ms)."""

    def __init__(self) -> None:
        self.total_ms = 0.0
        self.slowest_ms = 0.0
        self.slowest_sql = ""

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.total_ms += elapsed_ms
            if elapsed_ms > self.slowest_ms:
                self.slowest_ms, self.slowest_sql = elapsed_ms, sql


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise PageFailed(f"GET {url} answered {response.status_code}")
