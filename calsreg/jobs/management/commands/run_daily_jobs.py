from django.core.management.base import BaseCommand, CommandError

from calsreg.jobs.services import daily_jobs_run


class Command(BaseCommand):
    help = "定期処理（利用開始予定の工事の開始、内容確認の催促など）を今すぐ1回実行します。"

    def handle(self, *args, **options):
        outcomes = daily_jobs_run()
        for outcome in outcomes:
            status = f"handled={outcome.handled}" if not outcome.error else f"FAILED {outcome.error}"
            self.stdout.write(f"{outcome.name}: {status}")
        if any(outcome.error for outcome in outcomes):
            raise CommandError("a daily job failed")
