"""Builders for the confirmation tests: an application through the real submit service, the
confirmation mail sent through the real delivery code (locmem backend), the token read from it."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from django.core import mail

from calsreg.applications.models import Application
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.models import AuditEvent, Evidence
from calsreg.records.services import Actor
from calsreg.verification.models import ConfirmationRequest, PhoneCall, UnlistedSenderReply
from calsreg.verification.services import confirmation_request_send
from tests.desk.helpers import submit_application

TOKEN_RE = re.compile(r"/confirm/([A-Za-z0-9_-]+)/")


def awaiting_application(*, desk: Actor, supervisor=None, **overrides: Any) -> Application:
    """Submitted through the real service, then the confirmation mail sent (not yet delivered)."""
    application = submit_application(supervisor=supervisor, **overrides)
    confirmation_request_send(application=application, actor=desk)
    application.refresh_from_db()
    return application


def deliver() -> list:
    """Send every due delivery through the real code (and its send-time hooks); the sent mails."""
    before = len(mail.outbox)
    deliveries_send_due()
    return mail.outbox[before:]


def token_for(address: str, messages: list | None = None) -> str:
    """The link token in the last mail sent to ``address``."""
    candidates = [m for m in (messages if messages is not None else mail.outbox) if address in m.to]
    assert candidates, f"no mail to {address}"
    return TOKEN_RE.search(candidates[-1].body).group(1)


def state() -> dict[str, Any]:
    """Everything a refusal must leave as it was."""
    return {
        "applications": list(
            Application.objects.order_by("pk").values_list(
                "pk", "status", "impersonation_suspected", "decision_reason"
            )
        ),
        "requests": list(
            ConfirmationRequest.objects.order_by("pk").values_list(
                "pk",
                "token_hash",
                "answered_at",
                "answer",
                "superseded_at",
                "reminded_at",
                "reply_evidence_id",
            )
        ),
        "calls": PhoneCall.objects.count(),
        "unlisted_replies": UnlistedSenderReply.objects.count(),
        "deliveries": Delivery.objects.count(),
        "audit": AuditEvent.objects.count(),
        "evidence": Evidence.objects.count(),
        "outbox": len(mail.outbox),
    }


def reply_eml(
    *, sender: str, body: str = "内容に間違いありません。", subject: str = "Re: 利用申込内容のご確認"
) -> bytes:
    message = EmailMessage()
    message["From"] = f"監督 員 <{sender}>"
    message["To"] = "helpdesk@calsreg.example.jp"
    message["Subject"] = subject
    message["Date"] = "Wed, 25 Nov 2026 10:15:00 +0900"
    message["Message-ID"] = "<reply-1@office.example.pref-niigata.jp>"
    message.set_content(body)
    return message.as_bytes()


def raw_reply_eml(*from_lines: str) -> bytes:
    """A reply whose From header(s) are written exactly as given, in UTF-8 as a mailer may send them
    (full-width characters, several headers, display names) — no library tidies them first."""
    headers = [f"From: {line}" for line in from_lines] + [
        "To: helpdesk@calsreg.example.jp",
        "Subject: Re: 利用申込内容のご確認",
        "Date: Wed, 25 Nov 2026 10:15:00 +0900",
        "Message-ID: <reply-2@mail.example.com>",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n内容に間違いありません。\r\n").encode()


def signed_in_as(client, role: str | None):
    """Sign ``client`` in as a usable user of ``role`` (None: stay anonymous).

    Account holders must be usable, or the accounts middleware signs them out before the desk's own
    check runs: a contractor needs an active project, a supervisor an active directory entry.
    """
    import datetime as dt

    from calsreg.accounts.models import Membership, Project, ProjectStatus, Role
    from tests.desk.helpers import make_application
    from tests.factories import OfficeFactory, SupervisorFactory, UserFactory

    if role is None:
        return None
    if role == Role.SUPERVISOR:
        user = UserFactory(role=role, supervisor=SupervisorFactory())
    else:
        user = UserFactory(role=role)
    if role == Role.CONTRACTOR:
        own = make_application(office=OfficeFactory(), number=900, status="in_service")
        project = Project.objects.create(
            application=own,
            office=own.office,
            project_number=own.project_number,
            name=own.project_name,
            location=own.project_location,
            period_start=own.period_start,
            period_end=own.period_end,
            contract_amount=own.contract_amount,
            contractor_name=own.contractor_name,
            status=ProjectStatus.ACTIVE,
            started_at=own.submitted_at + dt.timedelta(days=1),
        )
        Membership.objects.create(project=project, user=user, role="site_agent")
    client.force_login(user)
    return user
