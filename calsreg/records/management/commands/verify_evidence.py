"""Verify every stored evidence file against the checksum recorded when it was received.

Files deleted at the end of their retention period are counted as purged, not as failures."""

from django.core.management.base import BaseCommand, CommandError

from calsreg.records.models import Evidence
from calsreg.records.services import evidence_verify


class Command(BaseCommand):
    help = "証跡ファイルをすべてSHA-256で検証します（改ざん・欠落の検出）。"

    def handle(self, *args, **options):
        checked = 0
        purged = 0
        failures = []
        for evidence in Evidence.objects.order_by("id").iterator():
            result = evidence_verify(evidence=evidence)
            checked += 1
            if result.purged:
                purged += 1
                if options["verbosity"] > 1:
                    self.stdout.write(
                        f"PURGED  #{evidence.pk} sha256={evidence.sha256} ({evidence.purged_at:%Y-%m-%d})"
                    )
            elif not result.ok:
                failures.append(result)
                self.stderr.write(f"NG  #{evidence.pk} {evidence.file.name} ({result.reason})")
        self.stdout.write(f"checked={checked} failed={len(failures)} purged={purged}")
        if failures:
            raise CommandError(f"{len(failures)} evidence file(s) failed verification")
