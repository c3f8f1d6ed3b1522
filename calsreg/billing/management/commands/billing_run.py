from django.core.management.base import BaseCommand, CommandError

from calsreg.billing.services import billing_run
from calsreg.core.dates import month_argument
from calsreg.core.errors import DomainError
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "請求処理: 指定した月までに請求時期が来た下書きを発行し、印刷用PDFと郵送リストを作ります。"

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, type=month_argument, help="請求月（例: 2026-12）")

    def handle(self, *args, **options):
        run_month = options["month"]

        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 2 or done == total:
                self.stdout.write(f"{done}/{total}")

        try:
            run = billing_run(
                run_month=run_month, actor=Actor.system("billing_run command"), progress=progress
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except KeyboardInterrupt as exc:
            # The service already ended the run failed (中断) and released the month.
            raise CommandError(
                "請求処理を中断しました。この月の請求処理は失敗として記録しました。"
                "発行済みの請求書はそのままです。もう一度実行すると残りを発行します。"
            ) from exc
        except Exception as exc:
            raise CommandError(
                f"請求処理が予期しないエラーで止まりました（{type(exc).__name__}: {exc}）。"
                "この月の請求処理は失敗として記録しました。発行済みの請求書はそのままです。"
                "原因を取り除いてから、もう一度実行してください。"
            ) from exc
        self.stdout.write(
            f"billing run {run.pk} {run.run_month:%Y-%m}: {run.status} issued={run.issued_count} "
            f"skipped={run.skipped_count} total={run.total}"
        )
        if run.bundle_pdf:
            self.stdout.write(f"bundle: {run.bundle_pdf.name} sha256={run.bundle_sha256}")
            self.stdout.write(f"mailing list: {run.mailing_csv.name} sha256={run.mailing_sha256}")
        if run.error:
            raise CommandError(run.error)
