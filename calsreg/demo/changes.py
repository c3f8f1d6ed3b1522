"""Demo: change requests in each state on the first project in use, made through the real services —
one waiting for its call-backs (filed from my page by one user, it changes the period, which the
applicant confirms, and a co-member's phone, which only that member can: two people to call, neither
of them the filer; its form states a number that is not on file), one applied after a call-back, one
rejected when the person concerned denied it (an e-mail takeover attempt)."""

from __future__ import annotations

from datetime import date, timedelta

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.accounts.services import account_actor
from calsreg.changes.catalog import APPLICANT
from calsreg.changes.models import ChangeChannel, ChangeRequest
from calsreg.changes.registration import project_accounts
from calsreg.changes.services import (
    callback_record,
    change_request_apply,
    change_request_assign,
    change_request_submit,
)
from calsreg.notifications.services import deliveries_send_due
from calsreg.records.services import Actor
from calsreg.verification.models import CallOutcome


def load_demo_changes(*, desk: Actor) -> int:
    """Make the demo change requests once; return how many were made."""
    if ChangeRequest.objects.exists():
        return 0
    project = (
        Project.objects.filter(status=ProjectStatus.ACTIVE)
        .select_related("application")
        .order_by("pk")
        .first()
    )
    if project is None:
        return 0
    application = project.application
    accounts = project_accounts(project)
    agent = next(iter(accounts))
    co_members = [username for username in accounts if username != agent]
    requester = {"requester_name": application.applicant_name, "requester_email": application.applicant_email}

    applied = change_request_submit(
        project=project,
        raw={
            **requester,
            "requester_phone": application.applicant_phone,
            "reason": "請求書の送付先部署が変わったため。",
            "items": [
                {"field": "billing_department", "value": "経理部"},
                {"field": "project_location", "value": f"{project.location}ほか"},
            ],
        },
        channel=ChangeChannel.PORTAL,
        actor=Actor.applicant(application.applicant_email),
    )
    call = callback_record(
        request=applied,
        contact=APPLICANT,
        outcome=CallOutcome.CONFIRMED,
        decisions={item.pk: True for item in applied.items.all()},
        note="登録済みの番号で本人と確認。変更内容も確認。",
        actor=desk,
    )
    change_request_apply(request=call.request, actor=desk)

    takeover = change_request_submit(
        project=project,
        raw={
            "requester_name": "不明な申込者",
            "requester_phone": "090-9999-0000",
            "items": [{"field": "user.email", "target": agent, "value": "new-address@attacker.example"}],
        },
        channel=ChangeChannel.PORTAL,
        actor=Actor.applicant("new-address@attacker.example"),
    )
    callback_record(
        request=takeover,
        contact=agent,
        outcome=CallOutcome.DENIED,
        note="本人は変更を申し込んでいないとのこと。",
        actor=desk,
    )

    filer = accounts[agent]
    items: list[dict[str, object]] = [
        {"field": "period_end", "value": _two_months_later(project.period_end).isoformat()}
    ]
    if co_members:  # someone else's data: only they can confirm it, not the filer
        items.append({"field": "user.phone", "target": co_members[0], "value": "080-3141-5926"})
    waiting = change_request_submit(
        project=project,
        raw={
            "requester_name": filer.display_name,
            "requester_email": filer.email,
            "requester_phone": "080-1111-2222",  # stated on the form; never the number called
            "reason": "工期延長の変更契約を締結したため。",
            "items": items,
        },
        channel=ChangeChannel.MY_PAGE,
        actor=account_actor(user=filer),
        filed_by=filer,
    )
    change_request_assign(request=waiting, operator=desk.user, actor=desk)
    deliveries_send_due()
    return 3


def _two_months_later(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=62)).replace(day=28)
