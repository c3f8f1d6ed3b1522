"""The billing configuration — issuer (seller, billing agent, regime), fee plans, tax rates — saved
from the administrator's edit in the Django admin, the one place it is kept (docs/billing.md).

Every save leaves an audit event naming each field changed, before and after: the agent's bank
account is where contractors transfer the fee, and a plan decides what they are charged. Issued
invoices keep their snapshot and never change. Nothing is deleted here: a plan or a rate is
superseded by a later one; a seller, an agent or a regime by another whose validity follows.

Rules across rows (decision 0008), checked here and shown by the admin on the field concerned:
the validities of sellers, of active agents and of regimes never overlap (one is in force on any
day), and under the 媒介者交付特例 (消費税法施行令第70条の12) the agent in force must be registered and
the day the seller notified the agent of its registration is recorded, on or before the start.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.billing.models import FeePlan, Issuer, IssuingArrangement, IssuingRegime, Seller, TaxRate
from calsreg.billing.models.config import Validity
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.records.services import Actor, audit_record, field_changes

BillingConfig = Issuer | Seller | IssuingArrangement | FeePlan | TaxRate


def _overlapping(queryset: QuerySet[Model], config: Validity) -> QuerySet[Model]:
    """Rows of ``queryset`` (other than ``config``) whose validity shares a day with ``config``'s."""
    rows = queryset.exclude(pk=config.pk) if config.pk and queryset.model is type(config) else queryset
    rows = rows.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=config.valid_from))
    if config.valid_until is not None:
        rows = rows.filter(valid_from__lte=config.valid_until)
    return rows


def _overlap_problem(config: Validity) -> dict[str, str]:
    model = type(config)
    others: QuerySet[Model] = model.objects.all()  # type: ignore[attr-defined]
    if isinstance(config, Issuer):
        if not config.active:
            return {}
        others = Issuer.objects.filter(active=True)
    clash = _overlapping(others, config).first()
    if clash is None:
        return {}
    return {
        "valid_from": _(
            "適用期間が「%(other)s」（%(period)s）と重なっています。"
            "先に一方の適用終了日を設定し、期間が重ならないようにしてください。"
        )
        % {"other": str(clash), "period": clash.period_text}  # type: ignore[attr-defined]
    }


def _intermediary_problems(config: Validity) -> dict[str, str]:
    """Under the 媒介者交付特例 both must be registered and the seller's notice recorded."""
    problems: dict[str, str] = {}
    if isinstance(config, IssuingArrangement) and config.regime == IssuingRegime.INTERMEDIARY:
        if config.seller_notified_on is None:
            problems["seller_notified_on"] = _(
                "媒介者交付特例では、売手から登録を受けている旨の通知を受けた日を入力してください。"
            )
        elif config.seller_notified_on > config.valid_from:
            problems["seller_notified_on"] = _(
                "売手からの通知は取引の前までに必要です。適用開始日以前の日付にしてください。"
            )
        agent = Issuer.objects.filter(
            pk__in=_overlapping(Issuer.objects.filter(active=True, registration_number=""), config).values(
                "pk"
            )
        ).first()
        if agent is not None:
            problems["regime"] = _(
                "媒介者交付特例には請求代行会社の登録番号が必要です。"
                "「%(agent)s」の登録番号を先に入力するか、代理交付を選んでください。"
            ) % {"agent": agent.name}
    if isinstance(config, Issuer) and config.active and not config.registration_number:
        regime = _overlapping(IssuingArrangement.objects.filter(regime=IssuingRegime.INTERMEDIARY), config)
        if regime.exists():
            problems["registration_number"] = _(
                "この期間は媒介者交付特例のため、請求代行会社の登録番号が必要です。登録番号を入力してください。"
            )
    return problems


def billing_config_problems(*, config: BillingConfig) -> dict[str, str]:
    """The rules across rows ``config`` would break if saved, as field name → message (empty when
    none). The admin's form shows them on their fields; ``billing_config_save`` refuses them."""
    if not isinstance(config, Validity):
        return {}
    if config.valid_until is not None and config.valid_until < config.valid_from:
        return {"valid_until": _("適用終了日は適用開始日以降の日付にしてください。")}
    return {**_overlap_problem(config), **_intermediary_problems(config)}


def _field_label(model: type[Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


@transaction.atomic
def billing_config_save(*, config: BillingConfig, actor: Actor) -> BillingConfig:
    """Save ``config`` as edited (fields already validated by the admin's model form) and audit the
    change; a save that changes nothing records nothing. Raises ``ValidationFailed`` naming each
    field for a rule across rows (``billing_config_problems``), saving nothing."""
    model = type(config)
    if isinstance(config, Validity):
        # Serialise concurrent edits of the issuer tables, so two saves cannot each pass the
        # overlap check against the other's old row.
        for locked in (Issuer, Seller, IssuingArrangement):
            list(locked.objects.select_for_update().values_list("pk", flat=True))
    problems = billing_config_problems(config=config)
    if problems:
        raise ValidationFailed(
            errors=[
                FieldError(field=name, message=message, label=_field_label(model, name))
                for name, message in problems.items()
            ]
        )
    before = model.objects.select_for_update().filter(pk=config.pk).first() if config.pk else None
    config.save()
    changes = field_changes(before=before, after=config)
    if changes:
        audit_record(
            actor=actor,
            action="billing.config_created" if before is None else "billing.config_changed",
            subject=config,
            summary=gettext_noop("請求の設定（%(what)s）を保存しました。変更した項目: %(fields)s"),
            summary_params={"what": str(model._meta.verbose_name), "fields": "、".join(changes)},
            data={"model": model._meta.model_name, "changes": changes},
        )
    return config
