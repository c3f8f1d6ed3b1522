"""Send the staff digest mail to every operator who opted in (also run daily by ``run_jobs``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from calsreg.notifications.staff_digest import staff_digests_send


class Command(BaseCommand):
    help = "お知らせのまとめメールを、受け取る設定にした職員に送ります。"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"digests={staff_digests_send()}")
