from django.core.management.base import BaseCommand

from calsreg.billing.services import billing_suspension_sweep
from calsreg.core.dates import day_argument


class Command(BaseCommand):
    help = "利用停止の判定: 支払期限を過ぎて未入金の請求書がある工事の利用を停止します（毎日実行）。"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=day_argument, help="判定する日（例: 2027-03-01。省略時は今日）")

    def handle(self, *args, **options):
        suspended = billing_suspension_sweep(today=options["date"])
        self.stdout.write(f"suspended={suspended}")
