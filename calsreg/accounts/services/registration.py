"""Registration (seed step 4): a confirmed application becomes a project with its accounts.

One atomic service. The application row is locked first, so a double click, a retried API call or
two operators at once wait for each other and the later ones find the project already made.
Account IDs are made unique as ``services.issuing`` describes (a savepoint per INSERT, a new
suffix on a clash).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Membership, Project, User
from calsreg.accounts.services.events import EventType, membership_event, project_event
from calsreg.accounts.services.issuing import contractor_account_create, supervisor_account
from calsreg.accounts.services.notices import credentials_enqueue
from calsreg.applications.models import Application, ApplicationUser
from calsreg.applications.services import application_registered
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.core.errors import InvalidTransition
from calsreg.records.services import Actor, audit_record


@transaction.atomic
def project_register(*, application: Application, actor: Actor, language: str = "ja") -> Project:
    """Register a confirmed application: its project, accounts, memberships, and credential mails.

    Returns the existing project unchanged if the application was registered already (nothing is
    created or sent again). Raises ``InvalidTransition`` unless the application is confirmed —
    both the supervisor's reply and a call positive (invariant 2).
    """
    application = Application.objects.select_for_update().select_related("office").get(pk=application.pk)
    existing = Project.objects.filter(application=application).first()
    if existing is not None:
        return existing
    if application.status != Status.CONFIRMED:
        raise InvalidTransition(
            _(
                "発注者（監督員）への確認が済んでいない申込は登録できません"
                "（現在の状態：%(status)s）。返信と電話の両方で確認が取れてから登録してください。"
            )
            % {"status": Status(application.status).label},
            current=application.status,
            target=Status.REGISTERED,
        )
    now = clock.now()
    project = _project_create(application=application, language=language)
    project_event(type=EventType.PROJECT_REGISTERED, project=project, at=now)
    issued: list[User] = []
    for application_user in application.users.order_by("position"):
        user = _contractor_account_create(application_user=application_user, now=now)
        _member_add(project=project, user=user, role=application_user.role, now=now)
        issued.append(user)
    reused: list[User] = []
    # In primary-key order, so two registrations sharing supervisors take their locks in one order.
    for supervisor in application.supervisors.order_by("pk"):
        user, created = supervisor_account(supervisor=supervisor, now=now)
        _member_add(project=project, user=user, role=supervisor.title, now=now)
        (issued if created else reused).append(user)
    _audit(actor=actor, application=application, project=project, issued=issued, reused=reused, now=now)
    application_registered(
        application=application,
        project_id=project.pk,
        issued_accounts=[user.username for user in issued],
        actor=actor,
        at=now,
    )
    for user in issued:
        credentials_enqueue(user=user, project=project, language=language)
    return project


def _member_add(*, project: Project, user: User, role: str, now: datetime) -> None:
    Membership.objects.create(project=project, user=user, role=role)
    membership_event(type=EventType.MEMBERSHIP_ADDED, project=project, user=user, role=role, at=now)


def _project_create(*, application: Application, language: str) -> Project:
    return Project.objects.create(
        application=application,
        notice_language=language,
        office=application.office,
        project_number=application.project_number,
        name=application.project_name,
        location=application.project_location,
        period_start=application.period_start,
        period_end=application.period_end,
        contract_amount=application.contract_amount,
        contractor_name=application.contractor_name,
    )


def _contractor_account_create(*, application_user: ApplicationUser, now: datetime) -> User:
    return contractor_account_create(
        requested_id=application_user.requested_id,
        name=application_user.name,
        kana=application_user.kana,
        email=application_user.email,
        phone=application_user.phone,
        now=now,
    )


def _audit(
    *,
    actor: Actor,
    application: Application,
    project: Project,
    issued: list[User],
    reused: list[User],
    now: datetime,
) -> None:
    # Account IDs only: no password exists yet, and none is ever recorded.
    audit_record(
        actor=actor,
        action="project.registered",
        subject=project,
        at=now,
        summary=gettext_noop(
            "申込 %(receipt_number)s から工事を登録し、アカウントを%(count)s件発行しました。"
        ),
        summary_params={"receipt_number": application.receipt_number, "count": len(issued)},
        data={
            "application": application.receipt_number,
            "issued_accounts": [user.username for user in issued],
            "reused_accounts": [user.username for user in reused],
        },
    )
