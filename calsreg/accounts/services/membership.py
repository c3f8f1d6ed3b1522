"""Who works on a project: users and supervisors added or removed by a verified change request.

A new contractor user gets a new account exactly as at registration (ID with a system-chosen suffix,
ID and password in two mails). Joining a project whose use has started makes the account usable at
once — there is no later start of use to do it — and the person gets that project's start-of-use
notice; joining a project not yet started leaves it issued until the project's start of use.

A project always keeps at least one contractor user and one supervisor: a replacement is added
first (or in the same request, which adds before it removes). Removing someone closes their
account unless it has another use left (``closing.accounts_close_if_unused``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Membership, Project, ProjectStatus, Role, User
from calsreg.accounts.services.closing import accounts_close_if_unused, sessions_end
from calsreg.accounts.services.events import EventType, membership_event
from calsreg.accounts.services.issuing import account_activate, contractor_account_create, supervisor_account
from calsreg.accounts.services.notices import _project_context, credentials_enqueue, start_of_use_enqueue
from calsreg.applications.models import UserRole
from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.directory.models import Supervisor
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record

PROJECT_ACCESS_ENDED = "project_access_ended"


@transaction.atomic
def project_user_add(
    *, project: Project, person: Mapping[str, Any], actor: Actor, language: str = "ja"
) -> User:
    """Add a contractor user: a new account, its membership, the ID and password mails.

    ``person`` (validated and normalised by the caller) has ``role`` (an ``applications.UserRole``
    value), ``name``, ``kana``, ``email``, ``phone`` and ``requested_id``. On a project in use the
    account is usable at once and the person gets the start-of-use notice. Raises ``DomainError``
    for a closed project, ``Conflict`` if no free ID suffix is found.
    """
    project = _locked(project.pk)
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事には利用者を追加できません。"))
    if person["role"] not in UserRole.values:
        raise ValueError(f"not a user role: {person['role']!r}")
    now = clock.now()
    user = contractor_account_create(
        requested_id=person["requested_id"],
        name=person["name"],
        kana=person["kana"],
        email=person["email"],
        phone=person["phone"],
        now=now,
    )
    Membership.objects.create(project=project, user=user, role=person["role"])
    membership_event(type=EventType.MEMBERSHIP_ADDED, project=project, user=user, role=person["role"], at=now)
    # A suspended project has started too: the account is usable again when use resumes.
    activated = project.started_at is not None and account_activate(user=user, now=now)
    audit_record(
        actor=actor,
        action="project.user_added",
        subject=project,
        at=now,
        summary=gettext_noop("利用者 %(account)s（%(name)s）を追加しました。"),
        summary_params={"account": user.username, "name": user.display_name},
        data={"account": user.username, "role": person["role"], "activated": activated},
    )
    credentials_enqueue(user=user, project=project, language=language)
    if project.status == ProjectStatus.ACTIVE:
        start_of_use_enqueue(project=project, recipients={user.email: user.display_name}, language=language)
    return user


@transaction.atomic
def project_user_remove(*, project: Project, user: User, actor: Actor, language: str = "ja") -> None:
    """Remove a contractor user from the project: membership inactive, sessions ended, a notice.

    The account closes unless the person still works on another project not closed. Raises
    ``DomainError`` for a closed project, someone who is not an active user of the project, or the
    project's last user.
    """
    project = _locked(project.pk)
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事の利用者は変更できません。"))
    membership = _membership_to_end(
        project=project,
        role=Role.CONTRACTOR,
        who={"user_id": user.pk},
        not_a_member=_("%(account)s はこの工事の利用者として登録されていません。")
        % {"account": user.username},
        last_one=_(
            "%(account)s はこの工事の最後の利用者のため、削除できません。"
            "代わりの利用者を先に追加するか、同じ申込で追加してください。"
        )
        % {"account": user.username},
    )
    now = clock.now()
    membership.active = False
    membership.save(update_fields=["active", "updated_at"])
    _removed_event(project=project, membership=membership, now=now)
    closed = accounts_close_if_unused(user_ids=[user.pk], now=now)
    sessions = sessions_end(user_ids=[user.pk])
    user = membership.user
    audit_record(
        actor=actor,
        action="project.user_removed",
        subject=project,
        at=now,
        summary=gettext_noop("利用者 %(account)s（%(name)s）を削除しました。"),
        summary_params={"account": user.username, "name": user.display_name},
        data={"account": user.username, "account_closed": bool(closed), "sessions_ended": sessions},
    )
    notification_enqueue(
        kind=PROJECT_ACCESS_ENDED,
        to=user.email,
        subject=project,
        idempotency_key=f"{PROJECT_ACCESS_ENDED}:{project.pk}:{user.pk}",
        language=language,
        context={
            **_project_context(project),
            "recipient_name": user.display_name,
            "account_id": user.username,
            "ended_on": now.isoformat(),
            "account_closed": bool(closed),
        },
    )


@transaction.atomic
def project_supervisor_add(
    *, project: Project, supervisor: Supervisor, actor: Actor, language: str = "ja"
) -> User:
    """Add an orderer supervisor of the project's office: their one account, reused or created.

    A new account gets the ID and password mails. On a project in use the account is usable at
    once (a closed one reopens) and the supervisor gets the start-of-use notice. Adding someone
    already on the project changes nothing. Raises ``DomainError`` for a closed project, a
    supervisor of another office or one no longer active in the directory.
    """
    project = _locked(project.pk)
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事には監督員を追加できません。"))
    supervisor = Supervisor.objects.select_related("office").get(pk=supervisor.pk)
    if supervisor.office_id != project.office_id:
        raise DomainError(
            _(
                "%(name)s は%(office)sの監督員ではないため、この工事（%(project_office)s）には追加できません。"
                "監督員名簿の所属を確認してください。"
            )
            % {
                "name": supervisor.name,
                "office": supervisor.office.name,
                "project_office": project.office.name,
            }
        )
    if not supervisor.active:
        raise DomainError(
            _("%(name)s は監督員名簿で無効になっているため、追加できません。") % {"name": supervisor.name}
        )
    now = clock.now()
    account, created = supervisor_account(supervisor=supervisor, now=now)
    # Locked before its membership changes, as closing locks it before counting its memberships.
    user = User.objects.select_for_update().get(pk=account.pk)
    membership = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if membership is not None and membership.active:
        return user
    if membership is not None:
        membership.active = True
        membership.role = supervisor.title
        membership.save(update_fields=["active", "role", "updated_at"])
    else:
        Membership.objects.create(project=project, user=user, role=supervisor.title)
    membership_event(
        type=EventType.MEMBERSHIP_ADDED, project=project, user=user, role=supervisor.title, at=now
    )
    activated = project.started_at is not None and account_activate(user=user, now=now)
    audit_record(
        actor=actor,
        action="project.supervisor_added",
        subject=project,
        at=now,
        summary=gettext_noop("監督員 %(name)s（%(account)s）を追加しました。"),
        summary_params={"name": supervisor.name, "account": user.username},
        data={
            "account": user.username,
            "supervisor": supervisor.code,
            "account_created": created,
            "activated": activated,
        },
    )
    if created:
        credentials_enqueue(user=user, project=project, language=language)
    if project.status == ProjectStatus.ACTIVE:
        # The directory's address, as at the start of use (invariant 1).
        start_of_use_enqueue(
            project=project, recipients={supervisor.email: supervisor.name}, language=language
        )
    return user


@transaction.atomic
def project_supervisor_remove(*, project: Project, supervisor: Supervisor, actor: Actor) -> None:
    """Take a supervisor off the project. Their account stays open while it has another project
    not closed; otherwise it closes and its sessions end.

    Raises ``DomainError`` for a closed project, someone not an active supervisor of the project,
    or the project's last supervisor.
    """
    project = _locked(project.pk)
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事の監督員は変更できません。"))
    membership = _membership_to_end(
        project=project,
        role=Role.SUPERVISOR,
        who={"user__supervisor_id": supervisor.pk},
        not_a_member=_("%(name)s はこの工事の監督員として登録されていません。") % {"name": supervisor.name},
        last_one=_(
            "%(name)s はこの工事の最後の監督員のため、外せません。"
            "新しい監督員を先に追加するか、同じ申込で追加してください。"
        )
        % {"name": supervisor.name},
    )
    now = clock.now()
    membership.active = False
    membership.save(update_fields=["active", "updated_at"])
    _removed_event(project=project, membership=membership, now=now)
    closed = accounts_close_if_unused(user_ids=[membership.user_id], now=now)
    sessions = sessions_end(user_ids=[user.pk for user in closed])
    audit_record(
        actor=actor,
        action="project.supervisor_removed",
        subject=project,
        at=now,
        summary=gettext_noop("監督員 %(name)s（%(account)s）を外しました。"),
        summary_params={"name": supervisor.name, "account": membership.user.username},
        data={
            "account": membership.user.username,
            "supervisor": supervisor.code,
            "account_closed": bool(closed),
            "sessions_ended": sessions,
        },
    )


def _removed_event(*, project: Project, membership: Membership, now: datetime) -> None:
    membership_event(
        type=EventType.MEMBERSHIP_REMOVED, project=project, user=membership.user, role=membership.role, at=now
    )


def _membership_to_end(
    *, project: Project, role: str, who: dict[str, Any], not_a_member: str, last_one: str
) -> Membership:
    """The active membership of ``who`` in ``role``, locked; DomainError if there is none, or if it is
    the project's last one in that role (the replacement must be added first, or in the same request)."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(project=project, active=True, user__role=role, **who)
        .first()
    )
    if membership is None:
        raise DomainError(not_a_member)
    others = Membership.objects.filter(project=project, active=True, user__role=role).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise DomainError(last_one)
    return membership


def _locked(project_id: int) -> Project:
    # ``of=self``: lock the project only, not the office joined for names and notices.
    return Project.objects.select_for_update(of=("self",)).select_related("office").get(pk=project_id)
