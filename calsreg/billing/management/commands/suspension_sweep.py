from datetime import date

from django.core.management.base import BaseCommand, CommandError

from calsreg.billing.services import billing_suspension_sweep


class Command(BaseCommand):
    help = "利用停止の判定: 支払期限を過ぎて未入金の請求書がある工事の利用を停止します（毎日実行）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="判定する日（例: 2027-03-01。省略時は今日）")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, got {options['date']!r}") from exc
        suspended = billing_suspension_sweep(today=today)
        self.stdout.write(f"suspended={suspended}")
