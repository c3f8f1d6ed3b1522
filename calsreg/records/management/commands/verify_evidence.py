"""Verify every kept file — evidence, invoice PDFs, billing-run files — against the checksum its
row recorded, and report files that no row names (left by a failed write or put there by hand).

Files deleted at the end of their retention period are counted as purged, not as failures.
Exits non-zero on any problem; ``--json`` prints the report for the operator's scripts."""

import json

from django.core.management.base import BaseCommand, CommandError

from calsreg.records.services import files_verify


class Command(BaseCommand):
    help = "証跡ファイル・請求書PDF・請求処理のファイルをSHA-256で検証し、行のないファイルを報告します。"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="結果をJSONで出力します。")

    def handle(self, *args, **options):
        report = files_verify()
        summary = report.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            for problem in report.problems:
                where = f" {problem.row}" if problem.row else ""
                self.stderr.write(f"NG  {problem.kind}{where} {problem.name}")
            counts = " ".join(f"{key}={summary[key]}" for key in self._COUNTS)
            self.stdout.write(counts)
            by_kind = " ".join(f"{kind}={count}" for kind, count in summary["checked_by"].items())
            self.stdout.write(f"checked by kind: {by_kind}")
        if not report.ok:
            raise CommandError(f"{len(report.problems)} kept file problem(s): see the lines above")

    _COUNTS = ("checked", "purged", "missing", "checksum_mismatch", "orphans", "stale_temp")
