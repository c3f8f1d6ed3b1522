"""Read calsreg's event feed from the highest cursor applied (after being down, or from scratch)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from demo_service.mirror import feed_catch_up, last_cursor


class Command(BaseCommand):
    help = "calsregのイベントフィードから未取得のイベントを取り込みます。"

    def handle(self, *args, **options) -> None:
        applied = feed_catch_up(issuer=settings.CONFIG.issuer, token=settings.CONFIG.feed_token)
        self.stdout.write(f"{applied} 件のイベントを取り込みました（カーソル {last_cursor()}）。")
