"""The billing configuration — issuer, fee plans, tax rates — saved from the administrator's edit in
the Django admin, the one place it is kept (docs/billing.md).

Every save leaves an audit event naming each field changed, before and after: the issuer's bank
account is where contractors transfer the fee, and a plan decides what they are charged. Issued
invoices keep their snapshot and never change. Nothing is deleted here: a plan or a rate is
superseded by a later one, an issuer by another marked active.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from calsreg.billing.models import FeePlan, Issuer, TaxRate
from calsreg.records.services import Actor, audit_record, field_changes

BillingConfig = Issuer | FeePlan | TaxRate


@transaction.atomic
def billing_config_save(*, config: BillingConfig, actor: Actor) -> BillingConfig:
    """Save ``config`` as edited (already validated by the admin's model form) and audit the change;
    a save that changes nothing records nothing."""
    model = type(config)
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
