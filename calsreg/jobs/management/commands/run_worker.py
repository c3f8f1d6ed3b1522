from __future__ import annotations

from argparse import ArgumentTypeError

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.management.commands.db_worker import valid_interval, validate_worker_id

from calsreg.jobs.worker import ResilientWorker, default_worker_id


def queue_names_parse(value: str) -> list[str]:
    """A comma-separated list of the configured queues, or "*" for all of them."""
    names = [name.strip() for name in value.split(",") if name.strip()]
    if names == ["*"]:
        return names
    unknown = sorted(set(names) - set(settings.TASK_QUEUES))
    if not names or unknown:
        raise ArgumentTypeError(
            f"unknown queue(s) {', '.join(unknown) or '(none)'}; known: {', '.join(settings.TASK_QUEUES)}"
        )
    return names


class Command(BaseCommand):
    # The web process runs the system checks; a worker restarted after a crash should be back fast.
    requires_system_checks: list[str] = []
    help = (
        "タスクワーカーを起動します（メール送信・外部送信・定期処理）。データベースの再起動を待って再接続し、"
        "SIGTERM で実行中のタスクを終えてから終了します。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue-name",
            default="*",
            type=queue_names_parse,
            help="処理するキュー（カンマ区切り、既定: すべて）",
        )
        parser.add_argument("--interval", type=valid_interval, default=1.0, help="空のときの待ち時間（秒）")
        parser.add_argument(
            "--worker-id", type=validate_worker_id, default=None, help="既定: ホスト名-PID-乱数"
        )

    def handle(self, *args, **options):
        if options["interval"] is None:
            raise CommandError("--interval needs a value")
        worker = ResilientWorker(
            queue_names=options["queue_name"],
            interval=options["interval"],
            worker_id=options["worker_id"] or default_worker_id(),
        )
        worker.configure_signals()
        worker.run()
