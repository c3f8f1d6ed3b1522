"""Erasing the personal data the accounts app holds: on a person's deletion request (個人情報保護法
第35条, applied by ``changes`` after the call-back) and at the end of the retention period (the
``lifecycle`` purge, which passes the scrubber that knows the values to find).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import AccountState, Membership, Project, ProjectStatus, User
from calsreg.accounts.services.anonymise import account_anonymise
from calsreg.accounts.services.closing import sessions_end
from calsreg.accounts.services.events import EventType, account_event
from calsreg.core import clock
from calsreg.core.errors import DomainError
from calsreg.core.redaction import Scrubber
from calsreg.records.services import Actor, audit_record


@transaction.atomic
def account_personal_data_erase(*, user: User, actor: Actor) -> str:
    """Erase a contractor account's name and contact details (a deletion request); return its new ID.

    Refused while the person still takes part in a project that is not closed: they would be
    unreachable there. The row and its ID's suffix stay, so invoices and the audit log keep
    referring to it; the account is closed and its sessions end.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_staff_member or user.supervisor_id is not None:
        raise DomainError(_("削除の求めで消去できるのは受注者の利用者アカウントだけです。"))
    still_in = Membership.objects.filter(user=user, active=True).exclude(project__status=ProjectStatus.CLOSED)
    if still_in.exists():
        raise DomainError(
            _("他の工事で利用中のため、個人データを削除できません。先にその工事の利用を終了してください。")
        )
    if user.state != AccountState.CLOSED:
        user.account_transition_to(AccountState.CLOSED)
        user.save(update_fields=["state"])
        account_event(type=EventType.ACCOUNT_CLOSED, user=user, at=clock.now())
    new_id = account_anonymise(user=user)
    sessions_end(user_ids=[user.pk])
    audit_record(
        actor=actor,
        action="personal_data.erased",
        subject=user,
        summary=gettext_noop("削除の求めにより、利用者の個人データを削除しました（匿名化後のID %(id)s）。"),
        summary_params={"id": new_id},
    )
    return new_id


@transaction.atomic
def accounts_anonymise(*, user_ids: Collection[int]) -> dict[str, str]:
    """Anonymise the accounts (the retention purge); return ``{old ID: new ID}``.

    No audit row of its own: the purge records one for everything it erased, with counts only, so
    the values erased do not reappear in the record of their erasure.
    """
    renames: dict[str, str] = {}
    for user in User.objects.select_for_update().filter(pk__in=list(user_ids)).order_by("pk"):
        old = user.username
        renames[old] = account_anonymise(user=user)
    return renames


@transaction.atomic
def project_personal_data_erase(*, project: Project, scrub: Scrubber) -> int:
    """Scrub the people's values from the project's free text (the closing reason); return 1 if changed."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    closed_reason = scrub.text(project.closed_reason)
    if closed_reason == project.closed_reason:
        return 0
    project.closed_reason = closed_reason
    project.save(update_fields=["closed_reason"])
    return 1
