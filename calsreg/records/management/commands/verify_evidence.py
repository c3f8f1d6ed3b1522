"""Verify every stored evidence file against the checksum recorded when it was received."""

from django.core.management.base import BaseCommand, CommandError

from calsreg.records.models import Evidence
from calsreg.records.services import evidence_verify


class Command(BaseCommand):
    help = "証跡ファイルをすべてSHA-256で検証します（改ざん・欠落の検出）。"

    def handle(self, *args, **options):
        checked = 0
        failures = []
        for evidence in Evidence.objects.order_by("id").iterator():
            result = evidence_verify(evidence=evidence)
            checked += 1
            if not result.ok:
                failures.append(result)
                self.stderr.write(f"NG  #{evidence.pk} {evidence.file.name} ({result.reason})")
        self.stdout.write(f"checked={checked} failed={len(failures)}")
        if failures:
            raise CommandError(f"{len(failures)} evidence file(s) failed verification")
