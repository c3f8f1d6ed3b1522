"""Correcting the details a registered project keeps on its application: the contractor (受注者), the
applicant (申込担当者, whose phone is the number on file for call-backs) and the billing address
(請求書送付先). The application stays the record of these after registration; the form as received
is kept unaltered as evidence.

Called (through ``accounts``, which keeps the project's copy of the company name) when a verified
change request is applied. Whoever calls, the values are cleaned again with the application form's
own cleaners, so a value the form would refuse is never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application
from calsreg.applications.schema import FIELDS, SECTION_LABELS, FieldSpec, Section
from calsreg.applications.states import Status
from calsreg.applications.validation import FieldCollector, clean_value
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.records.services import Actor, audit_record

_SECTIONS = (Section.CONTRACTOR, Section.APPLICANT, Section.BILLING)
DETAIL_SPECS: dict[str, FieldSpec] = {spec.key: spec for spec in FIELDS if spec.section in _SECTIONS}
# The details that stay correctable after registration, by schema key (= Application attribute).
REGISTRATION_DETAIL_FIELDS = tuple(DETAIL_SPECS)
_REGISTERED = frozenset({Status.REGISTERED, Status.IN_SERVICE})


def detail_label(key: str) -> str:
    """``受注者情報：会社名``: the field's label with its section, as the form shows it."""
    spec = DETAIL_SPECS[key]
    return _("%(section)s：%(label)s") % {"section": SECTION_LABELS[spec.section], "label": spec.label}


@transaction.atomic
def application_details_change(
    *, application: Application, values: Mapping[str, Any], actor: Actor, change_request: str = ""
) -> dict[str, tuple[Any, Any]]:
    """Store the ``values`` (schema keys of ``REGISTRATION_DETAIL_FIELDS``) that differ; return
    ``{key: (before, after)}`` of what changed (empty: nothing written).

    Each field changed gets its audit row with before and after; ``change_request`` (its number)
    is kept on it. Raises ``DomainError`` for an application not registered or whose personal data
    was erased, ``ValidationFailed`` for a value the application form refuses (nothing stored then).
    """
    unknown = set(values) - set(REGISTRATION_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not registration details: {sorted(unknown)}")
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in _REGISTERED:
        raise DomainError(_("登録前の申込の内容は、この手続きでは変更できません。"))
    if application.personal_data_purged_at is not None:
        raise DomainError(_("保存期間が過ぎて個人データを消去した申込は変更できません。"))
    cleaned = _cleaned(values)
    changes = {
        key: (getattr(application, key), value)
        for key, value in cleaned.items()
        if value != getattr(application, key)
    }
    if not changes:
        return {}
    for key, (_before, after) in changes.items():
        setattr(application, key, after)
    application.save(update_fields=[*changes, "updated_at"])
    for key, (before, after) in changes.items():
        audit_record(
            actor=actor,
            action="registration.field_changed",
            subject=application,
            summary=(
                gettext_noop("%(label)sを変更しました（変更申込 %(number)s）。")
                if change_request
                else gettext_noop("%(label)sを変更しました。")
            ),
            summary_params={"label": detail_label(key), "number": change_request},
            data={"field": key, "before": before, "after": after, "change_request": change_request},
        )
    return changes


def _cleaned(values: Mapping[str, Any]) -> dict[str, Any]:
    out = FieldCollector()
    cleaned = {
        key: clean_value(DETAIL_SPECS[key], value, path=key, label=detail_label(key), out=out)
        for key, value in values.items()
    }
    if out.errors:
        raise ValidationFailed(errors=out.errors)
    return cleaned
