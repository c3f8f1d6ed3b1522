"""Load the demo: directory, portal notices, staff users and a few applications (idempotent)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from calsreg.accounts.models import User
from calsreg.billing.demo import load_demo_billing
from calsreg.demo.applications import load_demo_applications
from calsreg.demo.changes import load_demo_changes
from calsreg.demo.flow import DEMO_ACCOUNT_PASSWORD, load_demo_flow
from calsreg.demo.mailbox import demo_mails_deliver, demo_mails_prepare
from calsreg.demo.service import CONFIG_PATH, load_demo_service
from calsreg.demo.staff import DEMO_STAFF, load_demo_staff
from calsreg.directory.demo import load_demo_directory
from calsreg.portal.demo import load_demo_notices
from calsreg.records.services import Actor


class Command(BaseCommand):
    help = "デモデータ（発注者名簿・お知らせ・職員・申込）を登録します。何度実行しても同じ状態になります。"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--service-url",
            default="",
            help="register the demo information-sharing service at this address (e.g. http://127.0.0.1:8001)",
        )
        parser.add_argument(
            "--issuer", default="", help="calsreg's own address (default: CALSREG_SITE_URL, as in the mails)"
        )

    def handle(self, *args, **options):
        options["issuer"] = (options["issuer"] or settings.SITE_URL).rstrip("/")
        with transaction.atomic():
            load_demo_directory(actor=Actor.system("demo"))
            load_demo_billing()  # the fee plan names the directory's organisation
            load_demo_notices()
            staff = load_demo_staff()
            made = load_demo_applications()
            helpdesk = User.objects.get(username=DEMO_STAFF[0][0])
            account_id = load_demo_flow(desk=Actor.staff(helpdesk))
            load_demo_changes(desk=Actor.staff(helpdesk))
            mails = demo_mails_prepare(desk=Actor.staff(helpdesk))
            if options["service_url"]:
                load_demo_service(service_url=options["service_url"], issuer=options["issuer"])
        # After commit: the reader keeps each message in transactions of its own.
        delivered = demo_mails_deliver(mails, say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready ({made} new applications, {delivered} mails to the mailboxes)"
            )
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (help desk: {options['issuer']}/desk/):")
        for username, password, role in staff:
            self.stdout.write(f"  {role:<12} ID: {username:<10} password: {password}")
        if options["service_url"]:
            self.stdout.write(
                f"Demo information-sharing service: {options['service_url']}/ (settings in {CONFIG_PATH})"
            )
        if account_id:
            self.stdout.write(f"Demo account holder (my page: {options['issuer']}/mypage/login/):")
            self.stdout.write(f"  受注者        ID: {account_id:<10} password: {DEMO_ACCOUNT_PASSWORD}")
