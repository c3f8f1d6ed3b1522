"""Recompute the desk's per-state application counters from the applications table.

    manage.py status_counts_rebuild [--check]

Needed only after rows were loaded around the models (``bulk_create``, ``COPY``, a partial restore);
``--check`` reports a difference and exits with status 1 without writing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from calsreg.applications.selectors import queue_status_counts
from calsreg.applications.services.status_counts import status_counts_actual, status_counts_rebuild


class Command(BaseCommand):
    help = "Recompute the per-state application counters (or, with --check, compare them)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")

    def handle(self, *args, check: bool = False, **options) -> None:  # type: ignore[no-untyped-def]
        if check:
            kept, actual = queue_status_counts(), status_counts_actual()
            if kept != actual:
                raise CommandError(f"counters differ: kept {kept}, actual {actual}")
            self.stdout.write("counters agree")
            return
        counts = status_counts_rebuild()
        self.stdout.write(", ".join(f"{status} {n}" for status, n in counts.items()))
