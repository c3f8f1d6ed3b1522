"""End of use: an early end scheduled by a change request, the close of a project, the daily close.

A project's last day of use is the end of its construction period unless an early end was set
(``Project.ends_on``); ``projects_close_due`` — the daily job ``close_ended_projects`` — closes it
the day after. Closing a project closes every account of it that has no other use left (an active
membership in a project not closed): a contractor user working on another project, or an orderer
supervisor with other projects, keeps their account. A closed account's sessions end at once —
the middleware would refuse them on the next request anyway, but a session must not outlive the
account even between requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import date, datetime

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import AccountState, Membership, Project, ProjectStatus, User
from calsreg.accounts.services.events import EventType, account_event, project_event
from calsreg.accounts.services.notices import _project_context, portal_login_url, project_recipients
from calsreg.core import clock
from calsreg.core.errors import DomainError, FieldError, ValidationFailed
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record

PROJECT_CLOSED = "project_closed"
# The reasons the daily job records (kept in Japanese like every msgid; shown translated).
REASON_PERIOD_END = gettext_noop("工期終了")
REASON_EARLY_END = gettext_noop("早期終了")
CLOSE_JOB_ACTOR = "close_ended_projects"
CLOSED_REASON_MAX_LENGTH = 200


def address_digest(address: str, *, salt: str = "") -> str:
    """A short digest of an address for idempotency keys (keys are limited to 200 characters)."""
    return hashlib.sha256(f"{salt}{address.lower()}".encode()).hexdigest()[:24]


def sessions_end(*, user_ids: Collection[int]) -> int:
    """Delete every live session signed in as one of ``user_ids``; return how many were deleted.

    Sessions are kept in the database and hold the user's id only inside their encoded data, so
    each live session is decoded once (a sign-out sweep, not a hot path).
    """
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=clock.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY, "")) in wanted
    ]
    if doomed:
        Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


def accounts_close_if_unused(*, user_ids: Collection[int], now: datetime) -> list[User]:
    """Close each of ``user_ids`` that has no active membership left in a project not closed.

    Call after the membership or project change that may have left them unused. The account rows
    are locked first and their use checked after, so a membership added meanwhile by another
    transaction (which locks the account too) is seen. The caller ends the closed ones' sessions.
    """
    users = list(User.objects.select_for_update().filter(pk__in=list(user_ids)).order_by("pk"))
    still_used = set(
        Membership.objects.filter(user__in=users, active=True)
        .exclude(project__status=ProjectStatus.CLOSED)
        .values_list("user_id", flat=True)
    )
    closed = []
    for user in users:
        if user.pk in still_used or user.state == AccountState.CLOSED:
            continue
        user.account_transition_to(AccountState.CLOSED)
        user.save(update_fields=["state"])
        account_event(type=EventType.ACCOUNT_CLOSED, user=user, at=now)
        closed.append(user)
    return closed


@transaction.atomic
def project_end_schedule(*, project: Project, ends_on: date, actor: Actor, reason: str = "") -> Project:
    """Set an early last day of use (a change request). A day already past closes the project now.

    Raises ``ValidationFailed`` for a day outside the construction period or before a scheduled start
    of use, and ``DomainError`` for a project already closed.
    """
    project = _locked(project.pk)
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事の利用終了日は変更できません。"))
    if not project.period_start <= ends_on <= project.period_end:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="ends_on",
                    label=_("利用終了予定日"),
                    message=_("利用終了予定日は工期（%(start)s〜%(end)s）の範囲で指定してください。")
                    % {"start": project.period_start.isoformat(), "end": project.period_end.isoformat()},
                )
            ]
        )
    starts_on = project.service_starts_on
    if project.status == ProjectStatus.PROVISIONED and starts_on and ends_on < starts_on:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="ends_on",
                    label=_("利用終了予定日"),
                    message=_("利用終了予定日は利用開始予定日（%(starts_on)s）以降にしてください。")
                    % {"starts_on": starts_on.isoformat()},
                )
            ]
        )
    now = clock.now()
    previous = project.ends_on
    project.ends_on = ends_on
    project.save(update_fields=["ends_on", "updated_at"])
    project_event(type=EventType.PROJECT_DETAILS_CHANGED, project=project, at=now, changed=["service_end"])
    audit_record(
        actor=actor,
        action="project.end_scheduled",
        subject=project,
        at=now,
        summary=gettext_noop("利用終了日を%(ends_on)sにしました。"),
        summary_params={"ends_on": ends_on.isoformat()},
        data={
            "ends_on": ends_on.isoformat(),
            "previous": previous.isoformat() if previous else None,
            "reason": reason,
        },
    )
    if ends_on < clock.today():
        return project_close(project=project, actor=actor, reason=reason or REASON_EARLY_END)
    return project


@transaction.atomic
def project_close(*, project: Project, actor: Actor, reason: str) -> Project:
    """Close the project now: its unused accounts close, their sessions end, its people are told.

    A project already closed is returned unchanged (nothing is sent again). Raises
    ``ValidationFailed`` for an empty reason.
    """
    project = _locked(project.pk)
    if project.status == ProjectStatus.CLOSED:
        return project
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="reason", label=_("利用終了の理由"), message=_("利用終了の理由を入力してください。")
                )
            ]
        )
    now = clock.now()
    project.transition_to(ProjectStatus.CLOSED)
    project.closed_at = now
    project.closed_reason = reason[:CLOSED_REASON_MAX_LENGTH]
    project.save(update_fields=["status", "closed_at", "closed_reason", "updated_at"])
    project_event(type=EventType.PROJECT_CLOSED, project=project, at=now)
    members = Membership.objects.filter(project=project, active=True).values_list("user_id", flat=True)
    closed = accounts_close_if_unused(user_ids=list(members), now=now)
    sessions = sessions_end(user_ids=[user.pk for user in closed])
    recipients = project_recipients(project=project, supervisors=False)
    audit_record(
        actor=actor,
        action="project.closed",
        subject=project,
        at=now,
        summary=gettext_noop(
            "利用を終了しました（理由：%(reason)s、アカウント%(count)s件を利用終了にしました）。"
        ),
        summary_params={"reason": project.closed_reason, "count": len(closed)},
        data={
            "reason": project.closed_reason,
            "last_day_of_use": project.last_day_of_use.isoformat(),
            "closed_accounts": [user.username for user in closed],
            "sessions_ended": sessions,
            "notified": len(recipients),
        },
    )
    last_day = min(project.last_day_of_use, clock.today())
    for address, name in recipients.items():
        notification_enqueue(
            kind=PROJECT_CLOSED,
            to=address,
            subject=project,
            idempotency_key=f"{PROJECT_CLOSED}:{project.pk}:{address_digest(address)}",
            language=project.notice_language,
            context={
                **_project_context(project),
                "recipient_name": name,
                "last_day": last_day.isoformat(),
                "login_url": portal_login_url(),
            },
        )
    return project


def projects_close_due(*, today: date | None = None) -> int:
    """Close every project whose last day of use is before ``today`` (Japan); return how many.

    Each project in its own transaction, so one failure does not hold back the others.
    """
    today = today or clock.today()
    due = Project.objects.exclude(status=ProjectStatus.CLOSED).filter(
        Q(ends_on__lt=today) | Q(period_end__lt=today)
    )
    closed = 0
    for project_id in due.order_by("pk").values_list("pk", flat=True):
        closed += _close_if_due(project_id=project_id, today=today)
    return closed


@transaction.atomic
def _close_if_due(*, project_id: int, today: date) -> int:
    project = _locked(project_id)
    # Checked again under the lock: the desk may have closed it or moved its end meanwhile.
    if project.status == ProjectStatus.CLOSED or project.last_day_of_use >= today:
        return 0
    early = project.ends_on is not None and project.ends_on < project.period_end
    project_close(
        project=project,
        actor=Actor.system(CLOSE_JOB_ACTOR),
        reason=REASON_EARLY_END if early else REASON_PERIOD_END,
    )
    return 1


def _locked(project_id: int) -> Project:
    # ``of=self``: lock the project only, not the office and application joined for the notices.
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("office", "application")
        .get(pk=project_id)
    )
