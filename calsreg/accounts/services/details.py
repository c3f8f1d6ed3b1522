"""Correcting a registered project's details (seed step 9: after a change request's call-back).

- ``project_details_change``: the project's own data — name, location, construction period,
  contract amount. The project's rules are checked here, whoever asks (``accounts.periods``): above
  all, an early end of use already set must stay inside the new period, or the project would stay
  open past its works. A closed project is not changed.
- ``project_registration_details_change``: the contractor, applicant and billing details kept on
  the project's application (``applications`` writes them); the project's copy of the company name
  (for lists and invoices) follows here.

Values are keyed by the application schema's keys (``project_name``…) and cleaned again with the
application form's cleaners. Each field changed gets an audit row with before and after, in the
same transaction; ``change_request`` (its number) is kept on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.accounts.periods import project_period_errors
from calsreg.accounts.services.events import EventType, project_event
from calsreg.applications.schema import FIELDS_BY_KEY
from calsreg.applications.services import application_details_change
from calsreg.applications.validation import FieldCollector, clean_value
from calsreg.core import clock
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.records.services import Actor, audit_record

# Schema key → Project attribute.
PROJECT_DETAIL_FIELDS: dict[str, str] = {
    "project_name": "name",
    "project_location": "location",
    "period_start": "period_start",
    "period_end": "period_end",
    "contract_amount": "contract_amount",
}


@transaction.atomic
def project_details_change(
    *, project: Project, values: Mapping[str, Any], actor: Actor, change_request: str = ""
) -> dict[str, tuple[Any, Any]]:
    """Store the ``values`` (keys of ``PROJECT_DETAIL_FIELDS``) that differ; return ``{key: (before,
    after)}`` of what changed (empty: nothing written).

    Raises ``DomainError`` for a closed project, ``ValidationFailed`` naming the field for a value
    the form refuses or a period the project's rules refuse (``accounts.periods``). A period is
    changed whole: give both ends together when both change, so they are checked together.
    """
    unknown = set(values) - set(PROJECT_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not project details: {sorted(unknown)}")
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("application", "office")
        .get(pk=project.pk)
    )
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事の工事情報は変更できません。"))
    cleaned = _cleaned(values)
    if "period_start" in cleaned or "period_end" in cleaned:
        errors = project_period_errors(
            project=project,
            period_start=cleaned.get("period_start", project.period_start),
            period_end=cleaned.get("period_end", project.period_end),
        )
        if errors:
            raise ValidationFailed(errors=errors)
    changes = {
        key: (getattr(project, PROJECT_DETAIL_FIELDS[key]), value)
        for key, value in cleaned.items()
        if value != getattr(project, PROJECT_DETAIL_FIELDS[key])
    }
    if not changes:
        return {}
    for key, (_before, after) in changes.items():
        setattr(project, PROJECT_DETAIL_FIELDS[key], after)
    project.save(update_fields=[*(PROJECT_DETAIL_FIELDS[key] for key in changes), "updated_at"])
    project_event(
        type=EventType.PROJECT_DETAILS_CHANGED, project=project, at=clock.now(), changed=sorted(changes)
    )
    for key, (before, after) in changes.items():
        audit_record(
            actor=actor,
            action="registration.field_changed",
            subject=project,
            summary=(
                gettext_noop("%(label)sを変更しました（変更申込 %(number)s）。")
                if change_request
                else gettext_noop("%(label)sを変更しました。")
            ),
            summary_params={"label": str(FIELDS_BY_KEY[key].label), "number": change_request},
            data={
                "field": key,
                "before": _json(before),
                "after": _json(after),
                "change_request": change_request,
            },
        )
    return changes


@transaction.atomic
def project_registration_details_change(
    *, project: Project, values: Mapping[str, Any], actor: Actor, change_request: str = ""
) -> dict[str, tuple[Any, Any]]:
    """Change the contractor, applicant and billing details on ``project``'s application (see
    ``applications.services.application_details_change``, which raises its refusals); return what
    changed. A new company name is copied onto the project."""
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    changes = application_details_change(
        application=project.application, values=values, actor=actor, change_request=change_request
    )
    if "contractor_name" in changes and project.contractor_name != changes["contractor_name"][1]:
        project.contractor_name = changes["contractor_name"][1]
        project.save(update_fields=["contractor_name", "updated_at"])
    return changes


def _cleaned(values: Mapping[str, Any]) -> dict[str, Any]:
    out = FieldCollector()
    cleaned = {
        key: clean_value(FIELDS_BY_KEY[key], value, path=key, label=str(FIELDS_BY_KEY[key].label), out=out)
        for key, value in values.items()
    }
    if out.errors:
        raise ValidationFailed(errors=out.errors)
    return cleaned


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
