"""Demo: drive a few demo applications through the real flow — confirmation by the directory
supervisor's reply mail and a call, registration, start of use — so every screen has something to
show. Mail is sent to the local outbox synchronously; one contractor account gets a known password.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from calsreg.accounts.models import User
from calsreg.accounts.services import (
    account_password_reset_complete,
    project_register,
    project_start_use,
)
from calsreg.applications.models import Application
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor
from calsreg.verification.models import Answer, CallOutcome
from calsreg.verification.services import call_record, confirmation_reply_record, confirmation_request_send

DEMO_ACCOUNT_PASSWORD = "genba-demo-2026"  # noqa: S105 - printed by `make demo`, demo data only


def _reply_mail(*, supervisor_email: str, receipt_number: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = supervisor_email
    mail["To"] = "helpdesk@calsreg.example.jp"
    mail["Subject"] = f"Re: 【新潟県CALSシステム】利用申込内容のご確認（受付番号：{receipt_number}）"
    mail["Date"] = format_datetime(timezone.now())
    mail.set_content("ヘルプデスク御中\n\n申込内容に間違いありません。よろしくお願いいたします。\n")
    return bytes(mail)


def confirm_and_register(*, application: Application, desk: Actor, start: bool) -> None:
    """Send the confirmation, record the supervisor's reply mail and a call, register, maybe start."""
    requests = confirmation_request_send(application=application, actor=desk)
    deliveries_send_due()  # the supervisor receives the request before replying to it
    request = requests[0]
    confirmation_reply_record(
        request=request,
        eml=_reply_mail(supervisor_email=request.sent_to, receipt_number=application.receipt_number),
        answer=Answer.CONFIRMED,
        reason="",
        actor=desk,
        filename="返信_内容確認.eml",
    )
    call_record(
        application=application,
        supervisor=request.supervisor,
        outcome=CallOutcome.CONFIRMED,
        note="申込内容に相違ないことを電話で確認。",
        actor=desk,
    )
    project = project_register(application=Application.objects.get(pk=application.pk), actor=desk)
    if start:
        project_start_use(project=project, actor=desk)


def demo_account_password_set() -> str | None:
    """Give the first contractor account of a started project the known demo password, as its
    holder would through "forgot password" (the outbox withholds the initial password, so the demo
    cannot read it there either)."""
    user = (
        User.objects.filter(role="contractor", state="active", must_change_password=True)
        .order_by("id")
        .first()
    )
    if user is None:
        return None
    account_password_reset_complete(
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
        new_password=DEMO_ACCOUNT_PASSWORD,
    )
    return user.username


def load_demo_flow(*, desk: Actor) -> str | None:
    """Take the three oldest submitted demo applications through the flow (two started, one only
    registered), send all mail to the outbox, and return the demo contractor account's ID."""
    if Application.objects.filter(status__in=["registered", "in_service"]).exists():
        return (
            User.objects.filter(role="contractor", must_change_password=False)
            .values_list("username", flat=True)
            .first()
        )
    oldest = list(Application.objects.filter(status="submitted").order_by("submitted_at", "id")[:3])
    for index, application in enumerate(oldest):
        confirm_and_register(application=application, desk=desk, start=index < 2)
    deliveries_send_due()
    return demo_account_password_set()
