from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from calsreg.mailbox.loop import ReaderLoop


class Command(BaseCommand):
    help = (
        "受信箱（CALSREG_MAILBOXES）を読み取り、メールを証跡として保存して処理し、処理済みフォルダへ移動します。"
        "IDLE に対応したサーバーでは新着を待ち、それ以外は一定間隔で確認します。SIGTERM で処理中のメールを終えてから終了します。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", default=None, help="読み取る受信箱の名前（1つだけ設定されているときは省略可）"
        )
        parser.add_argument(
            "--once", action="store_true", help="1回だけ読み取って終了します（失敗時は終了コード1）"
        )

    def handle(self, *args, **options):
        names = [mailbox.name for mailbox in settings.MAILBOXES]
        name = options["mailbox"]
        if name is None:
            if len(names) != 1:
                raise CommandError(
                    f"name the mailbox with --mailbox (configured: {', '.join(names) or 'none, see CALSREG_MAILBOXES'})"
                )
            name = names[0]
        try:
            loop = ReaderLoop(name=name)
        except LookupError as exc:
            raise CommandError(str(exc.args[0])) from None
        loop.configure_signals()
        raise SystemExit(loop.run(once=options["once"]))
