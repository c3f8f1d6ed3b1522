"""Suspending a project's use and reinstating it, for either of two causes held apart.

- ``PAYMENT``: billing's rule (seed step 6: an invoice unpaid after its due date), which suspends and
  reinstates on its own (``billing.services.dunning``).
- ``HAND``: the desk, with a reason (e.g. a supervisor's instruction).

The project is suspended while either cause holds: a payment never lifts a hand suspension, and the
desk's reinstatement never lifts the payment rule's (the timeline says which is left). The project's
state is written only here. Suspending ends every member's sessions at the relying parties (the
``project.suspended`` event drives back-channel logout); while suspended nobody can sign in to the
project's accounts (``accounts.access``). The caller says why, in the audit row's own terms: a
``gettext_noop`` message id and its parameters, shown translated later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.accounts.services.events import EventType, project_event
from calsreg.core import clock
from calsreg.core.errors import Conflict, FieldError, ValidationFailed
from calsreg.records.services import Actor, audit_record

HAND_REASON_MAX_LENGTH = 200


class SuspensionCause(StrEnum):
    PAYMENT = "payment"
    HAND = "hand"


def suspension_causes(project: Project) -> frozenset[SuspensionCause]:
    """What holds ``project`` suspended (empty unless suspended). A suspension recorded before the
    causes were kept apart was the payment rule's: the only one there was."""
    if project.status != ProjectStatus.SUSPENDED:
        return frozenset()
    causes = set()
    if project.suspended_for_payment or not project.suspended_by_hand:
        causes.add(SuspensionCause.PAYMENT)
    if project.suspended_by_hand:
        causes.add(SuspensionCause.HAND)
    return frozenset(causes)


def hand_suspension_applies(project: Project) -> bool:
    """The desk may suspend by hand a project in use, or one suspended for payment only."""
    if project.status == ProjectStatus.ACTIVE:
        return True
    return project.status == ProjectStatus.SUSPENDED and SuspensionCause.HAND not in suspension_causes(
        project
    )


def hand_reinstatement_applies(project: Project) -> bool:
    """The desk may lift its own hand suspension (never the payment rule's)."""
    return SuspensionCause.HAND in suspension_causes(project)


@transaction.atomic
def project_suspend(
    *,
    project: Project,
    actor: Actor,
    at: datetime,
    summary: str,
    summary_params: Mapping[str, Any],
    data: Mapping[str, Any],
    cause: SuspensionCause = SuspensionCause.PAYMENT,
) -> Project:
    """Suspend ``project`` for ``cause``; return it. A project already suspended for the other cause
    stays suspended and now holds both (no second event: its sessions have ended already).

    Raises ``InvalidTransition`` for a project neither in use nor suspended.
    """
    project = _locked(project.pk)
    already = project.status == ProjectStatus.SUSPENDED
    causes = suspension_causes(project)
    if not already:
        project.transition_to(ProjectStatus.SUSPENDED)
        project.suspended_at = at
    _hold(project, causes=causes | {cause})
    project.save(
        update_fields=["status", "suspended_at", "suspended_for_payment", "suspended_by_hand", "updated_at"]
    )
    if not already:
        project_event(type=EventType.PROJECT_SUSPENDED, project=project, at=at)
    audit_record(
        actor=actor,
        action="project.suspended" if not already else "project.suspension_cause_added",
        subject=project,
        at=at,
        summary=summary,
        summary_params=dict(summary_params),
        data={**data, "cause": str(cause), "causes": sorted(suspension_causes(project))},
    )
    return project


@transaction.atomic
def project_reinstate(
    *,
    project: Project,
    actor: Actor,
    at: datetime,
    summary: str,
    summary_params: Mapping[str, Any],
    data: Mapping[str, Any],
    cause: SuspensionCause = SuspensionCause.PAYMENT,
) -> Project:
    """Lift ``cause``; the project is in use again when no other cause holds it; return it.

    When the other cause still holds, the project stays suspended and the audit row says so instead
    of the caller's summary (``summary_params`` are kept in its data). Raises ``Conflict`` when
    ``cause`` does not hold the project.
    """
    project = _locked(project.pk)
    causes = suspension_causes(project)
    if cause not in causes:
        raise Conflict(_("この工事はその理由では利用停止されていません。"))
    left = causes - {cause}
    _hold(project, causes=left)
    # The hand reason is the still-holding hand suspension's only.
    params = {"reason": project.hand_suspension_reason} if SuspensionCause.HAND in left else summary_params
    if SuspensionCause.HAND not in left:
        project.hand_suspension_reason = ""
    if not left:
        project.transition_to(ProjectStatus.ACTIVE)
        project.suspended_at = None  # the audit trail keeps when it was suspended
    project.save(
        update_fields=[
            "status",
            "suspended_at",
            "suspended_for_payment",
            "suspended_by_hand",
            "hand_suspension_reason",
            "updated_at",
        ]
    )
    if not left:
        project_event(type=EventType.PROJECT_REINSTATED, project=project, at=at)
        audit_record(
            actor=actor,
            action="project.reinstated",
            subject=project,
            at=at,
            summary=summary,
            summary_params=dict(summary_params),
            data={**data, "cause": str(cause)},
        )
        return project
    audit_record(
        actor=actor,
        action="project.suspension_cause_lifted",
        subject=project,
        at=at,
        summary=_STILL_SUSPENDED[next(iter(left))],
        summary_params=dict(params),
        data={**data, **summary_params, "cause": str(cause), "causes": sorted(left)},
    )
    return project


_STILL_SUSPENDED = {
    SuspensionCause.HAND: gettext_noop(
        "未入金による利用停止は解けましたが、手動の利用停止（理由：%(reason)s）が続くため、"
        "利用停止中のままです。"
    ),
    SuspensionCause.PAYMENT: gettext_noop(
        "手動の利用停止を解除しました（理由：%(reason)s）が、期限を過ぎた未入金の請求書による"
        "利用停止が続くため、利用停止中のままです。"
    ),
}


def project_suspend_by_hand(*, project: Project, actor: Actor, reason: str) -> Project:
    """The desk suspends ``project`` (reason required); see ``project_suspend``.

    Raises ``ValidationFailed`` for an empty reason and ``Conflict`` when a hand suspension does
    not apply (``hand_suspension_applies``).
    """
    reason = _reason_required(reason, label=_("利用停止の理由"))
    with transaction.atomic():
        project = _locked(project.pk)
        if not hand_suspension_applies(project):
            raise Conflict(_("この工事は利用中でないため、手動で利用停止できません。"))
        project.hand_suspension_reason = reason
        project.save(update_fields=["hand_suspension_reason", "updated_at"])
        return project_suspend(
            project=project,
            actor=actor,
            at=clock.now(),
            summary=gettext_noop("手動で利用を停止しました（理由：%(reason)s）。"),
            summary_params={"reason": reason},
            data={"reason": reason},
            cause=SuspensionCause.HAND,
        )


def project_reinstate_by_hand(*, project: Project, actor: Actor, reason: str) -> Project:
    """The desk lifts its hand suspension (reason required); the payment rule's, if any, stays.

    Raises ``ValidationFailed`` for an empty reason and ``Conflict`` when ``project`` is not
    suspended by hand.
    """
    reason = _reason_required(reason, label=_("利用再開の理由"))
    with transaction.atomic():
        project = _locked(project.pk)
        if not hand_reinstatement_applies(project):
            raise Conflict(_("この工事は手動で利用停止されていないため、再開できません。"))
        return project_reinstate(
            project=project,
            actor=actor,
            at=clock.now(),
            summary=gettext_noop("手動の利用停止を解除し、利用を再開しました（理由：%(reason)s）。"),
            summary_params={"reason": reason},
            data={"reason": reason},
            cause=SuspensionCause.HAND,
        )


def _reason_required(reason: str, *, label: str) -> str:
    reason = reason.strip()[:HAND_REASON_MAX_LENGTH]
    if not reason:
        raise ValidationFailed(
            errors=[FieldError(field="reason", label=label, message=_("理由を入力してください。"))]
        )
    return reason


def _hold(project: Project, *, causes: frozenset[SuspensionCause] | set[SuspensionCause]) -> None:
    project.suspended_for_payment = SuspensionCause.PAYMENT in causes
    project.suspended_by_hand = SuspensionCause.HAND in causes


def _locked(project_id: int) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("application", "office")
        .get(pk=project_id)
    )
