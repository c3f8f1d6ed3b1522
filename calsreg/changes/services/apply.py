"""Applying a verified change request (seed step 9), in one transaction.

Only items the caller confirmed on the call-back are applied (invariant 2; the database refuses an
applied item that was not confirmed). Each item runs in a savepoint: an item that a business rule
refuses (say, the supervisor left the directory meanwhile, or a new period would leave the early end
of use outside it) is reported as not applied, with the reason, while the others go through.

Every item is applied by a service of the app that owns the data (``accounts`` for the project,
its registration details, accounts and memberships; ``billing`` for the invoices), which checks its
own rules and audits the before/after of every field. This app writes only its own rows.
The applicant is told, at the addresses on file, what was applied and what was not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project, User
from calsreg.accounts.services import (
    account_contact_correct,
    account_personal_data_erase,
    project_details_change,
    project_end_schedule,
    project_registration_details_change,
    project_supervisor_add,
    project_supervisor_remove,
    project_user_add,
    project_user_remove,
)
from calsreg.billing.services import billing_address_change_settle, fee_change_settle
from calsreg.changes.catalog import FEE_FIELDS, ITEMS, Store
from calsreg.changes.models import ChangeItem, ChangeKind, ChangeRequest, ChangeStatus, ItemDecision
from calsreg.changes.registration import project_accounts
from calsreg.changes.selectors import DiffRow, diff_rows
from calsreg.changes.services.callbacks import request_rejected
from calsreg.changes.services.disclosure import personal_data_disclose
from calsreg.changes.services.notices import project_mail_context, recipients_on_file
from calsreg.changes.services.step_times import change_request_step_times_record
from calsreg.core import clock
from calsreg.core.errors import DomainError, InvalidTransition
from calsreg.core.previews import fingerprint, fingerprint_check
from calsreg.core.templatetags.jdate import jdate
from calsreg.directory.models import Supervisor
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record

RESULT_KIND = "change_request_result"
EMAIL_CHANGED_KIND = "change_email_changed"


@dataclass(frozen=True)
class ChangeApplyPlan:
    """What ``change_request_apply`` will do: each item, registered now → requested, applied or not
    (only items confirmed on the call-back are), and who is told the result."""

    request: ChangeRequest
    rows: tuple[DiffRow, ...]
    recipients: tuple[tuple[str, str], ...]

    @property
    def to_apply(self) -> list[DiffRow]:
        return [row for row in self.rows if row.item.decision == ItemDecision.CONFIRMED]

    @property
    def not_applied(self) -> list[DiffRow]:
        return [row for row in self.rows if row.item.decision != ItemDecision.CONFIRMED]

    def payload(self) -> dict:
        items = [
            [row.item.position, row.item.field, row.target, row.current, row.after, row.item.decision]
            for row in self.rows
        ]
        return {"request": self.request.pk, "items": items, "recipients": [list(r) for r in self.recipients]}

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.payload())


def change_request_apply_preview(*, request: ChangeRequest) -> ChangeApplyPlan:
    """What applying ``request`` would do now; writes nothing. Refuses as the action would."""
    _appliable_check(request)
    return _plan(request)


def _plan(request: ChangeRequest) -> ChangeApplyPlan:
    rows = sorted(diff_rows(request), key=lambda row: row.item.position)
    return ChangeApplyPlan(
        request=request, rows=tuple(rows), recipients=tuple(recipients_on_file(request).items())
    )


def _appliable_check(request: ChangeRequest) -> None:
    if request.status != ChangeStatus.VERIFIED:
        raise InvalidTransition(
            _(
                "本人確認（登録済みの電話番号への折り返し）が済んでいない変更申込は反映できません"
                "（現在：%(status)s）。"
            )
            % {"status": ChangeStatus(request.status).label},
            current=request.status,
            target=ChangeStatus.APPLIED,
        )


@transaction.atomic
def change_request_apply(
    *, request: ChangeRequest, actor: Actor, preview: str | None = None
) -> ChangeRequest:
    """Apply the confirmed items of a verified request; return it applied.

    Raises InvalidTransition unless the request is verified — a request whose call-back has not
    confirmed it cannot change anything. With ``preview`` (the fingerprint of the
    ``change_request_apply_preview`` the operator confirmed), raises ``PreviewStale`` and changes
    nothing if any item's registered value, decision or the result's recipients changed meanwhile.
    """
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    _appliable_check(request)
    project = (
        Project.objects.select_for_update(of=("self", "application"))
        .select_related("application", "office")
        .get(pk=request.project_id)
    )
    fingerprint_check(expected=preview, payload=_plan(request).payload())
    now = clock.now()
    items = list(request.items.order_by("position"))
    applier = _Applier(request=request, project=project, actor=actor)
    # Outcomes are told to the applicant, so they are written in the request's language.
    with translation.override(request.language):
        for unit in _units(items, project=project):
            confirmed = [item for item in unit if item.decision == ItemDecision.CONFIRMED]
            for item in unit:
                if item.decision != ItemDecision.CONFIRMED:
                    item.outcome = _("本人確認で確認できなかったため、反映していません。")
            if not confirmed:
                continue
            try:
                with transaction.atomic():
                    outcome, applied_at = applier.apply(confirmed), now
            except DomainError as refusal:
                outcome, applied_at = (
                    _("反映できませんでした：%(reason)s") % {"reason": refusal.message},
                    None,
                )
            for item in confirmed:
                item.outcome, item.applied_at = outcome, applied_at
            # The owning services wrote the rows: the notices that follow show them as they now are.
            project.refresh_from_db()
            project.application.refresh_from_db()
    ChangeItem.objects.bulk_update(items, ["outcome", "applied_at"])
    applier.settle_billing()
    request.transition_to(ChangeStatus.APPLIED)
    request.applied_at = now
    request.save(update_fields=["status", "applied_at", "updated_at"])
    change_request_step_times_record(request=request)
    applied = [item for item in items if item.applied_at]
    audit_record(
        actor=actor,
        action="change_request.applied",
        subject=request,
        at=now,
        summary=gettext_noop("変更申込を反映しました（反映 %(applied)s / %(total)s 項目）。"),
        summary_params={"applied": len(applied), "total": len(items)},
        data={"applied_positions": [item.position for item in applied]},
    )
    with translation.override(request.language):
        _result_notify(request=request, project=project, items=items)
    return request


PERIOD_FIELDS = frozenset({"period_start", "period_end"})


def _units(items: list[ChangeItem], *, project: Project) -> list[list[ChangeItem]]:
    """The items in the order they are applied, the confirmed period items as one unit: a period is
    changed whole, so its two ends are checked together (moving both later must not fail on the way)."""
    units: list[list[ChangeItem]] = []
    period: list[ChangeItem] = []
    for item in sorted(items, key=lambda item: _apply_order(item, project=project)):
        if item.field in PERIOD_FIELDS and item.decision == ItemDecision.CONFIRMED:
            if not period:
                units.append(period)
            period.append(item)
        else:
            units.append([item])
    return units


def _apply_order(item: ChangeItem, *, project: Project) -> tuple[int, int]:
    """Additions before removals, so a replacement is in place before the person it replaces leaves.
    An early end inside the current period goes before a new period (which must not leave the early
    end outside it); one outside the current period goes after it (it needs the new period)."""
    if item.field == "end_of_use" and item.after:
        inside = project.period_start <= date.fromisoformat(str(item.after)) <= project.period_end
        return (2 if inside else 4, item.position)
    order = {"user.add": 0, "supervisor.add": 0, "user.replace": 1}
    return (order.get(item.field, 3), item.position)


class _Applier:
    def __init__(self, *, request: ChangeRequest, project: Project, actor: Actor) -> None:
        self.request = request
        self.project = project
        self.actor = actor
        self.language = request.language
        self.fee_changed = False
        self.billing_changed = False
        self.handlers: dict[str, Callable[[ChangeItem], str]] = {
            "user.add": self._user_add,
            "user.remove": self._user_remove,
            "user.replace": self._user_replace,
            "supervisor.add": self._supervisor_add,
            "supervisor.remove": self._supervisor_remove,
            "end_of_use": self._end_of_use,
            "personal.disclosure": self._disclose,
            "personal.deletion": self._erase,
        }

    def apply(self, unit: list[ChangeItem]) -> str:
        """Apply one item, or the two ends of a period together; return the outcome told to the applicant."""
        item = unit[0]
        spec = ITEMS[item.field]
        if spec.store == Store.NONE:
            return self.handlers[item.field](item)
        if spec.store == Store.ACCOUNT:
            account_contact_correct(
                user=self._account(item.target),
                values={spec.attribute: str(item.after)},
                actor=self.actor,
                language=self.language,
            )
            return _("反映しました。")
        change = (
            project_details_change if spec.store == Store.PROJECT else project_registration_details_change
        )
        changed = change(
            project=self.project,
            values={each.field: each.after for each in unit},
            actor=self.actor,
            change_request=self.request.number,
        )
        if not changed:  # possible when the filer could not see the registration
            return _("登録内容と同じため、変更はありませんでした。")
        if "applicant_email" in changed:
            old, new = changed["applicant_email"]
            self._email_changed_notify(old=old, new=new)
        self.fee_changed |= bool(FEE_FIELDS & changed.keys())
        self.billing_changed |= item.kind == ChangeKind.BILLING_ADDRESS
        return _("反映しました。")

    def settle_billing(self) -> None:
        reason = _("変更申込 %(number)s による") % {"number": self.request.number}
        if self.fee_changed:
            fee_change_settle(project=self.project, actor=self.actor, reason=reason)
        if self.billing_changed:
            billing_address_change_settle(project=self.project, actor=self.actor)

    def _account(self, username: str) -> User:
        user = project_accounts(self.project).get(username)
        if user is None:
            raise DomainError(_("利用者 %(id)s はこの工事の利用者ではなくなっています。") % {"id": username})
        return user

    def _user_add(self, item: ChangeItem) -> str:
        user = project_user_add(
            project=self.project, person=dict(item.after or {}), actor=self.actor, language=self.language
        )
        return _("利用者ID %(id)s を発行し、ID・パスワードをメールでお送りしました。") % {"id": user.username}

    def _user_remove(self, item: ChangeItem) -> str:
        project_user_remove(
            project=self.project, user=self._account(item.target), actor=self.actor, language=self.language
        )
        return _("利用者 %(id)s の利用を終了しました。") % {"id": item.target}

    def _user_replace(self, item: ChangeItem) -> str:
        leaving = self._account(item.target)
        added = self._user_add(item)
        project_user_remove(project=self.project, user=leaving, actor=self.actor, language=self.language)
        return f"{added} " + _("利用者 %(id)s の利用を終了しました。") % {"id": item.target}

    def _supervisor_add(self, item: ChangeItem) -> str:
        supervisor = Supervisor.objects.get(pk=int(str(item.after)))
        if not supervisor.active:
            raise DomainError(_("%(name)sは名簿で無効になっています。") % {"name": supervisor.name})
        project_supervisor_add(
            project=self.project, supervisor=supervisor, actor=self.actor, language=self.language
        )
        return _("監督員 %(name)s がこの工事を利用できるようにしました。") % {"name": supervisor.name}

    def _supervisor_remove(self, item: ChangeItem) -> str:
        supervisor = Supervisor.objects.get(pk=int(item.target))
        project_supervisor_remove(project=self.project, supervisor=supervisor, actor=self.actor)
        return _("監督員 %(name)s のこの工事での利用を終了しました。") % {"name": supervisor.name}

    def _end_of_use(self, item: ChangeItem) -> str:
        ends_on = date.fromisoformat(str(item.after))
        project_end_schedule(
            project=self.project,
            ends_on=ends_on,
            actor=self.actor,
            reason=_("早期終了（変更申込 %(number)s）") % {"number": self.request.number},
        )
        return _("利用終了日を %(date)s にしました。") % {"date": jdate(ends_on)}

    def _disclose(self, item: ChangeItem) -> str:
        personal_data_disclose(request=self.request, target=item.target, actor=self.actor)
        return _("保有個人データの開示資料を作成しました。ヘルプデスクから登録済みの連絡先へお送りします。")

    def _erase(self, item: ChangeItem) -> str:
        user = self._account(item.target)
        project_user_remove(project=self.project, user=user, actor=self.actor, language=self.language)
        account_personal_data_erase(user=user, actor=self.actor)
        return _("利用者 %(id)s の利用を終了し、個人データを削除しました。") % {"id": item.target}

    def _email_changed_notify(self, *, old: str, new: str) -> None:
        context = {
            **project_mail_context(self.project),
            "number": self.request.number,
            "recipient_name": self.project.application.applicant_name,
            "old_email": old,
            "new_email": new,
        }
        for address, role in ((old, "old"), (new, "new")):
            notification_enqueue(
                kind=EMAIL_CHANGED_KIND,
                to=address,
                subject=self.request,
                idempotency_key=f"{EMAIL_CHANGED_KIND}:{self.request.pk}:{role}",
                language=self.language,
                context={**context, "recipient_role": role},
            )


def _result_notify(*, request: ChangeRequest, project: Project, items: list[ChangeItem]) -> None:
    context = {
        **project_mail_context(project),
        "number": request.number,
        "applied": [f"{ITEMS[item.field].label}：{item.outcome}" for item in items if item.applied_at],
        "not_applied": [
            f"{ITEMS[item.field].label}：{item.outcome}" for item in items if not item.applied_at
        ],
    }
    for address, name in recipients_on_file(request).items():
        notification_enqueue(
            kind=RESULT_KIND,
            to=address,
            subject=request,
            idempotency_key=f"{RESULT_KIND}:{request.pk}:{address}",
            language=request.language,
            context={**context, "recipient_name": name},
        )


@transaction.atomic
def change_request_reject(*, request: ChangeRequest, reason: str, actor: Actor) -> ChangeRequest:
    """The desk ends a request without applying it (e.g. nobody on file could be reached)."""
    if not reason.strip():
        raise DomainError(_("不承認の理由を入力してください。"))
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    request_rejected(request=request, note=reason.strip(), actor=actor, now=clock.now(), impersonation=False)
    return request
