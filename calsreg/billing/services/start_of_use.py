"""Start of use (seed step 5) with its invoice draft (step 6), for every interface that starts use.

Accounts sits below billing and cannot draft the invoice itself, so the desk and the API call this
instead of ``accounts.services.project_start_use``; scheduled starts are drafted by the daily
``invoice_drafts_create_missing`` job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from calsreg.accounts.models import Project
from calsreg.accounts.services import project_start_use
from calsreg.billing.errors import BillingNotConfigured
from calsreg.billing.services.drafts import invoice_draft_for_project
from calsreg.records.services import Actor


@dataclass(frozen=True)
class StartOfUse:
    project: Project
    # Why no draft could be made (billing not configured); the start of use stands regardless.
    billing_warning: str = ""


@transaction.atomic
def project_start_use_billed(
    *,
    project: Project,
    actor: Actor,
    starts_on: date | None = None,
    language: str = "ja",
    preview: str | None = None,
) -> StartOfUse:
    """Start use now (or schedule it) and, once use has started, draft the invoice in the same
    transaction. A missing billing configuration must not undo the start of use: it is reported in
    ``billing_warning`` and the daily draft job catches up once the configuration is complete.
    ``preview``: see ``accounts.services.project_start_use``."""
    project = project_start_use(
        project=project, actor=actor, starts_on=starts_on, language=language, preview=preview
    )
    if project.started_at is None:
        return StartOfUse(project=project)
    try:
        with transaction.atomic():
            invoice_draft_for_project(project=project, actor=actor)
    except BillingNotConfigured as refusal:
        return StartOfUse(project=project, billing_warning=refusal.message)
    return StartOfUse(project=project)
