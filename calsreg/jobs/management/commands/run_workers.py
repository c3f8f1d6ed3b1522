from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.management.commands.db_worker import valid_interval

from calsreg.jobs.supervisor import Supervisor, pool_parse
from calsreg.mailbox.checks import mailbox_settings_check


class Command(BaseCommand):
    # The web process runs the system checks; a worker restarted after a crash should be back fast.
    requires_system_checks: list[str] = []
    help = (
        "タスクワーカーの一式（CALSREG_WORKER_POOL）と受信箱の読み取り（CALSREG_MAILBOXES、受信箱ごとに1つ）を子プロセスとして起動し、終了したものを再起動します。"
        "SIGTERM/SIGINT は子プロセスに伝え、終了を待ちます。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pool", default=None, help="既定: CALSREG_WORKER_POOL（例: default;mail,outbound）"
        )
        parser.add_argument("--interval", type=valid_interval, default=1.0, help="各ワーカーの待ち時間（秒）")
        parser.add_argument(
            "--stop-timeout", type=float, default=60.0, help="終了を待つ秒数（超えると強制終了）"
        )

    def handle(self, *args, **options):
        # The one system check run here: with a wrong mailbox variable every reader child would fail its
        # own checks at once and be restarted forever. Refuse before starting anything, with its lines.
        problems = mailbox_settings_check()
        if problems:
            raise CommandError(
                "the mailbox settings are wrong; nothing was started:\n"
                + "\n".join(f"{problem.id}: {problem.msg} (HINT: {problem.hint})" for problem in problems)
            )
        try:
            queues_per_worker = pool_parse(
                options["pool"] or settings.WORKER_POOL, known_queues=settings.TASK_QUEUES
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        supervisor = Supervisor(
            queues_per_worker=queues_per_worker,
            worker_args=["--interval", str(options["interval"])],
            stop_timeout=options["stop_timeout"],
            mailboxes=[mailbox.name for mailbox in settings.MAILBOXES],
        )
        raise SystemExit(supervisor.run())
