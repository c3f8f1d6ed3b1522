"""Remind supervisors of overdue confirmation requests and tell the desk (cron, each business day)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from calsreg.core.dates import day_argument
from calsreg.verification.services import confirmations_overdue_sweep


class Command(BaseCommand):
    help = (
        "回答期限（営業日）を過ぎた内容確認依頼について、監督員へ催促メールを送り、ヘルプデスクに知らせます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=day_argument, help="基準日 YYYY-MM-DD（省略時は今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = confirmations_overdue_sweep(today=options.get("today"))
        self.stdout.write(f"reminded={reminded}")
