from django.core.management import call_command
from django.core.management.base import BaseCommand

from calsreg.jobs.services import daily_run_ensure_scheduled


class Command(BaseCommand):
    help = "タスクワーカーを起動します（メール送信と定期処理）。定期処理の次回実行が未登録なら登録します。"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, **options):
        if daily_run_ensure_scheduled():
            self.stdout.write("daily jobs scheduled")
        call_command("db_worker", interval=options["interval"])
