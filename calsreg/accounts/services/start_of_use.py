"""Start of use (seed step 5): the project goes live, its accounts become usable, everyone is told.

Accounts become usable at that moment and not before (invariant 4): until then they are ``issued``
and the login refuses them. The desk starts a project now or schedules it for a later day (the
construction start); ``projects_start_due`` — run daily by ``manage.py start_scheduled_projects`` —
starts the scheduled ones. Starting twice does nothing the second time.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import (
    Membership,
    Project,
    ProjectStatus,
    User,
)
from calsreg.accounts.services.issuing import account_activate
from calsreg.accounts.services.notices import project_recipients, start_of_use_enqueue
from calsreg.applications.services import application_in_service
from calsreg.core import clock
from calsreg.core.errors import InvalidTransition
from calsreg.records.services import Actor, audit_record


@transaction.atomic
def project_start_use(
    *, project: Project, actor: Actor, starts_on: date | None = None, language: str = "ja"
) -> Project:
    """Start the project's use now, or on ``starts_on`` if that is a later day (today or earlier = now).

    A project already started is returned unchanged (nothing is sent again); scheduling again moves
    the day. Raises ``InvalidTransition`` for a project closed before it started.
    """
    project = _locked(project.pk)
    if project.started_at is not None:
        return project
    if project.status != ProjectStatus.PROVISIONED:
        raise InvalidTransition(
            _("「%(status)s」の工事は利用開始できません。") % {"status": ProjectStatus(project.status).label},
            current=project.status,
            target=ProjectStatus.ACTIVE,
        )
    now = clock.now()
    project.notice_language = language
    if starts_on is not None and starts_on > clock.today():
        return _schedule(project=project, starts_on=starts_on, actor=actor, now=now)
    return _start(project=project, actor=actor, now=now)


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
    return Project.objects.select_for_update().select_related("office").get(pk=project_id)


def _schedule(*, project: Project, starts_on: date, actor: Actor, now: datetime) -> Project:
    previous = project.service_starts_on
    project.service_starts_on = starts_on
    project.save(update_fields=["service_starts_on", "notice_language", "updated_at"])
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
