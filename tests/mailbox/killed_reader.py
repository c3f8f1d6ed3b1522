"""``manage.py run_mailbox`` in a child process that kills itself (SIGKILL: no clean-up runs) right
after the reader's step named by CALSREG_TEST_MAILBOX_KILL_AT ("kept", "processed", "moved")."""

from __future__ import annotations

import os
import signal

import django


def main() -> None:
    django.setup()
    from calsreg.mailbox import reader

    at = os.environ["CALSREG_TEST_MAILBOX_KILL_AT"]

    def step_reached(step: str, message: object) -> None:
        if step == at:
            os.kill(os.getpid(), signal.SIGKILL)

    reader.step_reached = step_reached
    from tests.plugins.child import main as child_main

    child_main()


if __name__ == "__main__":
    main()
