"""Start the use of every project scheduled for today or earlier (run daily, e.g. from cron).

    manage.py start_scheduled_projects

Safe to run more than once a day: a project already started is skipped.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from calsreg.accounts.services import projects_start_due


class Command(BaseCommand):
    help = "Start the use of projects scheduled for today or earlier and send their start-of-use notices."

    def handle(self, *args, **options) -> None:
        started = projects_start_due()
        self.stdout.write(f"started {started} project(s)")
