"""The application's main line after intake, each step taken on the word of the app that decides it:

- ``verification`` sends the confirmation requests → ``awaiting_confirmation``;
- ``verification`` finds a positive answer and a positive call → ``confirmed``;
- ``accounts`` registers the project → ``registered``;
- ``accounts`` starts its use → ``in_service``.

Those apps decide; the application's row is written only here. Each function locks the row, checks
the transition table, stamps the step's time, saves and writes the application's audit row, in the
caller's transaction. Callers go on with the application returned (the locked, updated row).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application
from calsreg.applications.services.step_times import application_step_times_record
from calsreg.applications.states import Status
from calsreg.records.services import Actor, audit_record


def _advance(*, application: Application, target: str, stamp: str | None, at: datetime) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    application.transition_to(target)
    fields = ["status", "updated_at"]
    if stamp is not None:
        setattr(application, stamp, at)
        fields.append(stamp)
    application.save(update_fields=fields)
    if stamp is not None:
        application_step_times_record(application=application)
    return application


@transaction.atomic
def application_confirmation_started(*, application: Application, actor: Actor, at: datetime) -> Application:
    """The confirmation requests went out: the application now waits for the orderer's answer."""
    application = _advance(application=application, target=Status.AWAITING_CONFIRMATION, stamp=None, at=at)
    audit_record(
        actor=actor,
        action="application.confirmation_started",
        subject=application,
        at=at,
        summary=gettext_noop("発注者（監督員）への内容確認を始めました。"),
    )
    return application


@transaction.atomic
def application_confirm(*, application: Application, actor: Actor, at: datetime) -> Application:
    """A supervisor's positive answer and a positive call are both in (security invariant 2)."""
    application = _advance(application=application, target=Status.CONFIRMED, stamp="confirmed_at", at=at)
    audit_record(
        actor=actor,
        action="application.confirmed",
        subject=application,
        at=at,
        summary=gettext_noop("監督員の回答と電話確認がそろったため、申込を確認済みにしました。"),
    )
    return application


@transaction.atomic
def application_registered(
    *, application: Application, project_id: int, issued_accounts: Sequence[str], actor: Actor, at: datetime
) -> Application:
    """The project was registered from the application (account IDs only in the record)."""
    application = _advance(application=application, target=Status.REGISTERED, stamp="registered_at", at=at)
    audit_record(
        actor=actor,
        action="application.registered",
        subject=application,
        at=at,
        summary=gettext_noop("システムに登録しました（工事ID %(project_id)s）。"),
        summary_params={"project_id": project_id},
        data={"project_id": project_id, "issued_accounts": list(issued_accounts)},
    )
    return application


@transaction.atomic
def application_in_service(
    *, application: Application, project_id: int, actor: Actor, at: datetime
) -> Application:
    """The project's use started and the start-of-use notice was sent."""
    application = _advance(application=application, target=Status.IN_SERVICE, stamp="in_service_at", at=at)
    audit_record(
        actor=actor,
        action="application.in_service",
        subject=application,
        at=at,
        summary=gettext_noop("利用開始のお知らせを送りました。"),
        data={"project_id": project_id},
    )
    return application
