"""A test's child process (tests/plugins/processes.py): start on the parent's clock, then run a
``manage.py`` command. Test-only: production never imports time-machine."""

from __future__ import annotations

import os
import sys
from datetime import datetime


def main() -> None:
    at = os.environ.get("CALSREG_TEST_CLOCK_AT")
    if at:
        import time_machine

        time_machine.travel(datetime.fromisoformat(at), tick=True).start()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
