"""Which database a benchmark run uses, chosen before Django reads its settings.

- ``DATABASE_URL`` set: that database (it must hold no applications: the benchmark empties and
  refills the application tables);
- otherwise a throwaway PostgreSQL cluster (``bench.pgcluster``), removed at the end;
- ``--sqlite``: a temporary SQLite file, removed at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.pgcluster import throwaway_cluster


@dataclass(frozen=True)
class BenchDatabase:
    description: str
    external: bool  # someone else's database: leave it as empty as we found it


@contextmanager
def bench_database(*, sqlite: bool) -> Iterator[BenchDatabase]:
    """Set ``DATABASE_URL`` for the run; close Django's connections and clean up on leaving."""
    if sqlite:
        directory = tempfile.mkdtemp(prefix="calsreg-bench-")
        try:
            with _database_url(f"sqlite:///{directory}/bench.sqlite3"):
                yield BenchDatabase("SQLite, temporary file", external=False)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    elif os.environ.get("DATABASE_URL"):
        with _database_url(os.environ["DATABASE_URL"]):
            yield BenchDatabase("DATABASE_URL", external=True)
    else:
        with throwaway_cluster() as url, _database_url(url):
            yield BenchDatabase(f"throwaway PostgreSQL cluster ({url})", external=False)


@contextmanager
def _database_url(url: str) -> Iterator[None]:
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        yield
    finally:
        _close_connections()
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def _close_connections() -> None:
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
