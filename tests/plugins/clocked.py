"""``python -m tests.plugins.clocked <python arguments…>``: run ``python <arguments…>`` (a script or
``-m module``) on the test's clock (``CALSREG_TEST_CLOCK_AT``, ticking from there), for a child that is
not a ``manage.py`` command, e.g. gunicorn started by scripts/serve.sh. Test-only."""

from __future__ import annotations

import os
import runpy
import sys
from datetime import datetime


def main() -> None:
    at = os.environ.get("CALSREG_TEST_CLOCK_AT")
    if at:
        import time_machine

        time_machine.travel(datetime.fromisoformat(at), tick=True).start()
    arguments = sys.argv[1:]
    if arguments[0] == "-m":
        sys.argv = [arguments[1], *arguments[2:]]
        runpy.run_module(arguments[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = arguments
        runpy.run_path(arguments[0], run_name="__main__")


if __name__ == "__main__":
    main()
