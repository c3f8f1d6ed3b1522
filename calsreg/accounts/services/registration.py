"""Registration (seed step 4): a confirmed application becomes a project with its accounts.

One atomic service. The application row is locked first, so a double click, a retried API call or
two operators at once wait for each other and the later ones find the project already made.
Account IDs are made unique as ``services.issuing`` describes (a savepoint per INSERT, a new
suffix on a clash).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts import credentials
from calsreg.accounts.models import Membership, MembershipRole, Project, User
from calsreg.accounts.services.events import EventType, membership_event, project_event
from calsreg.accounts.services.issuing import ID_ATTEMPTS, contractor_account_create, supervisor_account
from calsreg.accounts.services.notices import CREDENTIAL_NOTICES, credentials_enqueue
from calsreg.applications.models import Application, ApplicationUser
from calsreg.applications.services import application_registered
from calsreg.applications.states import Status
from calsreg.core import clock
from calsreg.core.errors import Conflict, InvalidTransition
from calsreg.core.previews import PreviewStale, seal, unseal
from calsreg.records.services import Actor, audit_record

PREVIEW_KIND = "registration"


@dataclass(frozen=True)
class PlannedAccount:
    """One account of a registration: a new one (ID 予定, two mails) or a supervisor's, reused."""

    key: str  # "user:<application user pk>" or "supervisor:<directory pk>"
    role: str  # a MembershipRole value: the applied role, or the supervisor's title
    name: str
    email: str
    account_id: str
    new: bool

    @property
    def role_label(self) -> str:
        """The role as the desk reads it (現場代理人, 主任監督員, …), in the current language."""
        return str(MembershipRole(self.role).label)

    @property
    def mails(self) -> tuple[tuple[str, str], ...]:
        """(mail kind, address) of each mail registration sends for this account."""
        return tuple((kind, self.email) for kind in CREDENTIAL_NOTICES) if self.new else ()


@dataclass(frozen=True)
class RegistrationPlan:
    """What ``project_register`` will do: the accounts (and IDs) it makes and who gets which mail."""

    application: Application
    accounts: tuple[PlannedAccount, ...]

    def payload(self) -> dict:
        rows = [[a.key, a.role, a.email, a.account_id, a.new] for a in self.accounts]
        return {"application": self.application.pk, "accounts": rows}

    @property
    def token(self) -> str:
        """The plan signed for the confirmation form to post back (see ``core.previews``)."""
        return seal(kind=PREVIEW_KIND, payload=self.payload())

    @property
    def mails(self) -> tuple[tuple[str, str], ...]:
        return tuple(mail for account in self.accounts for mail in account.mails)


def project_register_preview(*, application: Application) -> RegistrationPlan:
    """What registering ``application`` would do now; writes nothing. The new IDs are 予定 (not
    reserved): ``project_register(preview=plan.token)`` issues exactly these or refuses as stale."""
    if Project.objects.filter(application=application).exists():
        raise Conflict(_("この申込は登録済みです。"))
    _registrable_check(application)
    return registration_plan(application=application, proposed={})


def registration_plan(*, application: Application, proposed: Mapping[str, str]) -> RegistrationPlan:
    """The accounts registration makes, in the order it makes them. A ``proposed`` ID (from a
    confirmed preview) is kept while it is still free; other new accounts get a free random one."""
    chosen: set[str] = set()

    def planned_id(key: str, requested: str) -> str:
        wanted = proposed.get(key, "")
        if credentials.requested_part_of(wanted) == requested.lower() and _id_free(wanted, chosen):
            chosen.add(wanted)
            return wanted
        for _attempt in range(ID_ATTEMPTS):
            fresh = credentials.account_id_compose(
                requested=requested, suffix=credentials.account_id_suffix()
            )
            if _id_free(fresh, chosen):
                chosen.add(fresh)
                return fresh
        raise Conflict(
            _("ID「%(requested)s」に付ける空き番号が見つかりませんでした。別のIDで申し込んでください。")
            % {"requested": requested}
        )

    accounts = [
        PlannedAccount(
            key=f"user:{user.pk}",
            role=user.role,
            name=user.name,
            email=user.email,
            account_id=planned_id(f"user:{user.pk}", user.requested_id),
            new=True,
        )
        for user in application.users.order_by("position")
    ]
    for supervisor in application.supervisors.order_by("pk"):
        key = f"supervisor:{supervisor.pk}"
        existing = User.objects.filter(supervisor=supervisor).values_list("username", flat=True).first()
        account_id = existing or planned_id(key, credentials.requested_part_for_email(supervisor.email))
        accounts.append(
            PlannedAccount(
                key=key,
                role=supervisor.title,
                name=supervisor.name,
                email=supervisor.email,
                account_id=account_id,
                new=existing is None,
            )
        )
    return RegistrationPlan(application=application, accounts=tuple(accounts))


def _id_free(account_id: str, chosen: set[str]) -> bool:
    return account_id not in chosen and not User.objects.filter(username=account_id).exists()


def _registrable_check(application: Application) -> None:
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


def _confirmed_ids(*, application: Application, preview: str | None) -> dict[str, str]:
    """The IDs of the confirmed preview, after checking it still describes what would happen now
    (``PreviewStale`` otherwise); no preview (API, commands): no planned IDs."""
    if preview is None:
        return {}
    shown = unseal(kind=PREVIEW_KIND, token=preview)
    proposed = {row[0]: row[3] for row in shown.get("accounts", []) if row[4]}
    if registration_plan(application=application, proposed=proposed).payload() != shown:
        raise PreviewStale()
    return proposed


@transaction.atomic
def project_register(
    *, application: Application, actor: Actor, language: str = "ja", preview: str | None = None
) -> Project:
    """Register a confirmed application: its project, accounts, memberships, and credential mails.

    Returns the existing project unchanged if the application was registered already (nothing is
    created or sent again). Raises ``InvalidTransition`` unless the application is confirmed —
    both the supervisor's reply and a call positive (invariant 2). With ``preview`` (the token of a
    ``project_register_preview`` the operator confirmed) it issues exactly the IDs shown, or raises
    ``PreviewStale`` and does nothing if anything in that preview changed meanwhile.
    """
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application.pk)
    )
    existing = Project.objects.filter(application=application).first()
    if existing is not None:
        return existing
    _registrable_check(application)
    planned = _confirmed_ids(application=application, preview=preview)
    now = clock.now()
    project = _project_create(application=application, language=language)
    project_event(type=EventType.PROJECT_REGISTERED, project=project, at=now)
    issued: list[User] = []
    for application_user in application.users.order_by("position"):
        user = _contractor_account_create(
            application_user=application_user, now=now, planned=planned.get(f"user:{application_user.pk}")
        )
        _member_add(project=project, user=user, role=application_user.role, now=now)
        issued.append(user)
    reused: list[User] = []
    # In primary-key order, so two registrations sharing supervisors take their locks in one order.
    for supervisor in application.supervisors.order_by("pk"):
        user, created = supervisor_account(
            supervisor=supervisor, now=now, planned=planned.get(f"supervisor:{supervisor.pk}")
        )
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


def _contractor_account_create(
    *, application_user: ApplicationUser, now: datetime, planned: str | None
) -> User:
    return contractor_account_create(
        planned=planned,
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
