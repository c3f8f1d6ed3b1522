"""Start of use (seed step 5): the project goes live, its accounts become usable, everyone is told.

Accounts become usable at that moment and not before (invariant 4): until then they are ``issued``
and the login refuses them. The desk starts a project now or schedules it for a later day (the
construction start), within the construction period (``start_day_check``); ``projects_start_due``
— run daily by ``manage.py start_scheduled_projects`` — starts the scheduled ones. Starting twice does nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import (
    Membership,
    Project,
    ProjectStatus,
    User,
)
from calsreg.accounts.services.events import EventType, project_event
from calsreg.accounts.services.issuing import account_activatable, account_activate
from calsreg.accounts.services.notices import project_recipients, start_of_use_enqueue
from calsreg.applications.services import application_in_service
from calsreg.core import clock
from calsreg.core.errors import Conflict, FieldError, InvalidTransition, ValidationFailed
from calsreg.core.previews import fingerprint, fingerprint_check
from calsreg.records.services import Actor, audit_record

# A start of use may come this many days before the construction period starts: the applicant's
# contract (and so the application) precedes the works, and the site office prepares before the
# first day (drawings, the first meeting records). It may never come after the last day of use: the
# project closes the day after (lifecycle), so such a start is a slip.
START_OF_USE_DAYS_BEFORE_PERIOD = 30


@dataclass(frozen=True)
class StartOfUsePlan:
    """What ``project_start_use`` will do: start now (accounts made usable, these people told) or
    schedule the start for ``day`` (then the people of that day are told; listed here as 予定)."""

    project: Project
    day: date
    scheduled: bool
    activated: tuple[str, ...]
    recipients: tuple[tuple[str, str], ...]

    def payload(self) -> dict:
        return {
            "project": self.project.pk,
            "day": self.day.isoformat(),
            "scheduled": self.scheduled,
            "activated": list(self.activated),
            "recipients": [list(recipient) for recipient in self.recipients],
        }

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.payload())


def project_start_use_preview(*, project: Project, starts_on: date | None = None) -> StartOfUsePlan:
    """What starting ``project``'s use (now, or on ``starts_on``) would do; writes nothing. Refuses
    as the action would; a project already started is refused too (nothing would happen)."""
    if project.started_at is not None:
        raise Conflict(_("この工事は利用開始済みです。"))
    _startable_check(project)
    return _plan(project=project, starts_on=starts_on)


def _plan(*, project: Project, starts_on: date | None) -> StartOfUsePlan:
    today = clock.today()
    later = starts_on if starts_on is not None and starts_on > today else None
    start_day_check(project=project, day=later or today, scheduled=later is not None)
    members = Membership.objects.filter(project=project, active=True).values("user_id")
    activated = (
        ()
        if later
        else tuple(
            user.username
            for user in User.objects.filter(pk__in=members).order_by("pk")
            if account_activatable(user)
        )
    )
    recipients = tuple(project_recipients(project=project, supervisors=True).items())
    return StartOfUsePlan(
        project=project,
        day=later or today,
        scheduled=later is not None,
        activated=activated,
        recipients=recipients,
    )


def _startable_check(project: Project) -> None:
    if project.status != ProjectStatus.PROVISIONED:
        raise InvalidTransition(
            _("「%(status)s」の工事は利用開始できません。") % {"status": ProjectStatus(project.status).label},
            current=project.status,
            target=ProjectStatus.ACTIVE,
        )


@transaction.atomic
def project_start_use(
    *,
    project: Project,
    actor: Actor,
    starts_on: date | None = None,
    language: str = "ja",
    preview: str | None = None,
) -> Project:
    """Start the project's use now, or on ``starts_on`` if that is a later day (today or earlier = now).

    A project already started is returned unchanged (nothing is sent again); scheduling again moves
    the day. Raises ``InvalidTransition`` for a project closed before it started, and
    ``ValidationFailed`` when the day of the start is outside the construction period
    (``start_day_check``). With ``preview`` (the fingerprint of the ``project_start_use_preview``
    the operator confirmed), raises ``PreviewStale`` and does nothing if that changed meanwhile.
    """
    project = _locked(project.pk)
    if project.started_at is not None:
        return project
    _startable_check(project)
    plan = _plan(project=project, starts_on=starts_on)
    fingerprint_check(expected=preview, payload=plan.payload())
    now = clock.now()
    project.notice_language = language
    if plan.scheduled:
        return _schedule(project=project, starts_on=plan.day, actor=actor, now=now)
    return _start(project=project, actor=actor, now=now)


def start_day_check(*, project: Project, day: date, scheduled: bool) -> None:
    """Refuse a start of use on ``day`` outside the construction period (``ValidationFailed`` on
    ``starts_on``): not more than ``START_OF_USE_DAYS_BEFORE_PERIOD`` days before it starts, never
    after the last day of use (the end of the period, or an early end), when the project closes."""
    earliest = project.period_start - timedelta(days=START_OF_USE_DAYS_BEFORE_PERIOD)
    last = project.last_day_of_use
    shown = day.isoformat() if scheduled else _("今日 %(day)s") % {"day": day.isoformat()}
    if day < earliest:
        message = _(
            "利用開始日（%(day)s）が早すぎます。工期の始まり（%(start)s）の%(days)s日前（%(earliest)s）から指定できます。"
        ) % {
            "day": shown,
            "start": project.period_start.isoformat(),
            "days": START_OF_USE_DAYS_BEFORE_PERIOD,
            "earliest": earliest.isoformat(),
        }
    elif day > last:
        message = _(
            "利用開始日（%(day)s）が利用終了日（%(last)s）より後です。工期内の日にするか、先に工期の変更を受け付けてください。"
        ) % {"day": shown, "last": last.isoformat()}
    else:
        return
    raise ValidationFailed(errors=[FieldError(field="starts_on", label=_("利用開始日"), message=message)])


def projects_start_due(*, today: date | None = None) -> int:
    """Start every provisioned project scheduled for ``today`` (Japan) or earlier; return how many.

    Each project in its own transaction, so one failure does not hold back the others.
    """
    today = today or clock.today()
    due = Project.objects.filter(status=ProjectStatus.PROVISIONED, service_starts_on__lte=today)
    started = 0
    for project_id in due.order_by("service_starts_on", "pk").values_list("pk", flat=True):
        started += _start_if_due(project_id=project_id, today=today)
    return started


@transaction.atomic
def _start_if_due(*, project_id: int, today: date) -> int:
    project = _locked(project_id)
    # Checked again under the lock: the desk may have started or moved it meanwhile.
    if project.status != ProjectStatus.PROVISIONED or project.started_at is not None:
        return 0
    if project.service_starts_on is None or project.service_starts_on > today:
        return 0
    _start(project=project, actor=Actor.system("start_scheduled_projects"), now=clock.now())
    return 1


def _locked(project_id: int) -> Project:
    return Project.objects.select_for_update(of=("self",)).select_related("office").get(pk=project_id)


def _schedule(*, project: Project, starts_on: date, actor: Actor, now: datetime) -> Project:
    previous = project.service_starts_on
    project.service_starts_on = starts_on
    project.save(update_fields=["service_starts_on", "notice_language", "updated_at"])
    project_event(type=EventType.PROJECT_DETAILS_CHANGED, project=project, at=now, changed=["service_start"])
    audit_record(
        actor=actor,
        action="project.start_scheduled",
        subject=project,
        at=now,
        summary=gettext_noop("利用開始日を%(starts_on)sに予定しました。"),
        summary_params={"starts_on": starts_on.isoformat()},
        data={"starts_on": starts_on.isoformat(), "previous": previous.isoformat() if previous else None},
    )
    return project


def _start(*, project: Project, actor: Actor, now: datetime) -> Project:
    project.transition_to(ProjectStatus.ACTIVE)
    project.started_at = now
    project.save(update_fields=["status", "started_at", "notice_language", "updated_at"])
    project_event(type=EventType.PROJECT_STARTED, project=project, at=now)
    activated = _accounts_activate(project=project, now=now)
    recipients = project_recipients(project=project, supervisors=True)
    audit_record(
        actor=actor,
        action="project.started",
        subject=project,
        at=now,
        summary=gettext_noop("利用を開始しました（アカウント%(count)s件を利用可能にしました）。"),
        summary_params={"count": len(activated)},
        data={"activated_accounts": activated, "notified": len(recipients)},
    )
    application_in_service(application=project.application, project_id=project.pk, actor=actor, at=now)
    start_of_use_enqueue(project=project, recipients=recipients, language=project.notice_language)
    return project


def _accounts_activate(*, project: Project, now: datetime) -> list[str]:
    """Issued accounts of the project become active; so does a closed orderer account reused here."""
    members = Membership.objects.filter(project=project, active=True).values("user_id")
    return [
        user.username
        for user in User.objects.select_for_update().filter(pk__in=members).order_by("pk")
        if account_activate(user=user, now=now)
    ]
