"""Run the demo service (its own Django settings, so its own process) on the tests' travelled clock.

python -m tests.demo_service.serve <unix seconds> <port>
"""

from __future__ import annotations

import os
import sys

import time_machine


def main() -> None:
    instant, port = float(sys.argv[1]), int(sys.argv[2])
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_service.settings"
    with time_machine.travel(instant, tick=True):
        import django
        from django.core.management import call_command
        from django.core.servers.basehttp import run
        from django.core.wsgi import get_wsgi_application

        django.setup()
        call_command("migrate", verbosity=0)
        run("127.0.0.1", port, get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
