"""A throwaway PostgreSQL cluster, for the benchmarks and anything else that needs one.

The work is done by ``scripts/pg-throwaway.sh`` (which CI's ``.ci/run`` calls directly), so there is one
implementation of initdb-as-an-unprivileged-user, free port and socket directory; this module gives it
a Python interface::

    url, stop = start_cluster()
    try:
        ...  # DATABASE_URL=url
    finally:
        stop()

or ``with throwaway_cluster() as url: ...``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg-throwaway.sh"


class ClusterError(RuntimeError):
    """The cluster could not be started; the message carries the script's explanation."""


def start_cluster() -> tuple[str, Callable[[], None]]:
    """Start a fresh cluster in a new temporary directory.

    Returns its ``DATABASE_URL`` and a ``stop()`` that stops the server and removes the directory;
    ``stop()`` may be called more than once. Raises ``ClusterError`` if the cluster cannot start
    (nothing is left behind then).
    """
    directory = tempfile.mkdtemp(prefix="calsreg-pg-")
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        subprocess.run(["bash", str(SCRIPT), "stop", directory], check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)

    try:
        result = subprocess.run(
            ["bash", str(SCRIPT), "start", directory], check=False, capture_output=True, text=True
        )
    except BaseException:  # Ctrl-C while initdb runs: leave nothing behind
        stop()
        raise
    if result.returncode != 0:
        stop()
        raise ClusterError(result.stderr.strip() or f"{SCRIPT.name} start failed ({result.returncode})")
    return result.stdout.strip().splitlines()[-1], stop


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """``with throwaway_cluster() as url:`` — the cluster is stopped and removed on leaving."""
    url, stop = start_cluster()
    try:
        yield url
    finally:
        stop()
