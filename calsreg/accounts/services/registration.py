"""Registration (seed step 4): a confirmed application becomes a project with its accounts.

One atomic service. The application row is locked first, so a double click, a retried API call or
two operators at once wait for each other and the later ones find the project already made.
Account IDs are unique by the database's unique constraint on ``username``: an ID taken meanwhile
(possibly by a registration racing on another machine) fails its INSERT inside a savepoint and is
retried with a new suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts import credentials
from calsreg.accounts.models import AccountState, Membership, Project, Role, User
from calsreg.accounts.services.notices import credentials_enqueue
from calsreg.applications.models import Application, ApplicationUser
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.core.errors import Conflict, InvalidTransition
from calsreg.directory.models import Supervisor
from calsreg.records.services import Actor, audit_record

# Each attempt has ≥ 1 in 12,167 free suffixes unless a requested part is nearly exhausted.
ID_ATTEMPTS = 20


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
    issued: list[User] = []
    for application_user in application.users.order_by("position"):
        user = _contractor_account_create(application_user=application_user, now=now)
        Membership.objects.create(project=project, user=user, role=application_user.role)
        issued.append(user)
    reused: list[User] = []
    # In primary-key order, so two registrations sharing supervisors take their locks in one order.
    for supervisor in application.supervisors.order_by("pk"):
        user, created = _supervisor_account(supervisor=supervisor, now=now)
        Membership.objects.create(project=project, user=user, role=supervisor.title)
        (issued if created else reused).append(user)
    application.transition_to(Status.REGISTERED)
    application.registered_at = now
    application.save(update_fields=["status", "registered_at", "updated_at"])
    _audit(actor=actor, application=application, project=project, issued=issued, reused=reused, now=now)
    for user in issued:
        credentials_enqueue(user=user, project=project, language=language)
    return project


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


def _new_account_values(*, now: datetime) -> dict[str, Any]:
    # Issued, not usable until the start-of-use notice; the password is made when its mail is sent.
    return {
        "state": AccountState.ISSUED,
        "must_change_password": True,
        "initial_password_expires_at": now + timedelta(days=settings.INITIAL_PASSWORD_DAYS),
    }


def _contractor_account_create(*, application_user: ApplicationUser, now: datetime) -> User:
    values = {
        **_new_account_values(now=now),
        "role": Role.CONTRACTOR,
        "display_name": application_user.name,
        "kana": application_user.kana,
        "email": application_user.email,
        "phone": application_user.phone,
    }
    user, _created = _insert_with_fresh_id(requested=application_user.requested_id, values=values)
    return user


def _supervisor_account(*, supervisor: Supervisor, now: datetime) -> tuple[User, bool]:
    """The supervisor's one account, reused across projects or created on first need."""
    existing = User.objects.filter(supervisor=supervisor).first()
    if existing is not None:
        return existing, False
    # Contacts come from the directory, never from the application (invariant 1).
    values = {
        **_new_account_values(now=now),
        "role": Role.SUPERVISOR,
        "supervisor": supervisor,
        "display_name": supervisor.name,
        "kana": supervisor.kana,
        "email": supervisor.email,
        "phone": supervisor.phone,
    }
    return _insert_with_fresh_id(
        requested=credentials.requested_part_for_email(supervisor.email),
        values=values,
        # A registration racing on PostgreSQL may have created this person's account meanwhile.
        taken_meanwhile=lambda: User.objects.filter(supervisor=supervisor).first(),
    )


def _insert_with_fresh_id(
    *,
    requested: str,
    values: dict[str, Any],
    taken_meanwhile: Callable[[], User | None] | None = None,
) -> tuple[User, bool]:
    """Insert an account under ``requested`` + a random suffix; (account, True) on success.

    Each INSERT runs in a savepoint so a unique violation leaves the registration's transaction
    usable. If ``taken_meanwhile`` finds the account another transaction created, that one is
    returned as (account, False).
    """
    for _attempt in range(ID_ATTEMPTS):
        username = credentials.account_id_compose(requested=requested, suffix=credentials.account_id_suffix())
        user = User(username=username, **values)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            found = taken_meanwhile() if taken_meanwhile is not None else None
            if found is not None:
                return found, False
            continue
        return user, True
    raise Conflict(
        _("ID「%(requested)s」に付ける空き番号が見つかりませんでした。別のIDで申し込んでください。")
        % {"requested": requested}
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
    issued_ids = [user.username for user in issued]
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
            "issued_accounts": issued_ids,
            "reused_accounts": [user.username for user in reused],
        },
    )
    audit_record(
        actor=actor,
        action="application.registered",
        subject=application,
        at=now,
        summary=gettext_noop("システムに登録しました（工事ID %(project_id)s）。"),
        summary_params={"project_id": project.pk},
        data={"project_id": project.pk, "issued_accounts": issued_ids},
    )
