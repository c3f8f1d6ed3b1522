"""Send every due pending mail now: the safety net beside the task worker (cron, or by hand)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from calsreg.notifications.selectors import deliveries_stuck
from calsreg.notifications.services import deliveries_send_due


class Command(BaseCommand):
    help = "送信予定時刻を過ぎた未送信メールをすべて送信します。"

    def handle(self, *args: Any, **options: Any) -> None:
        sent = deliveries_send_due()
        self.stdout.write(f"sent={sent}")
        stuck = deliveries_stuck().count()
        if stuck:
            # Not resent automatically (at-most-once): the desk checks the mail log and re-sends.
            self.stderr.write(
                f"stuck={stuck} (status 'sending'; check the mail log, then re-send from the desk)"
            )
