"""Who at the help desk is in charge of an application (the desk's "my work")."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application
from calsreg.applications.states import OPEN_STATUSES, Status
from calsreg.core.errors import Conflict, FieldError, ValidationFailed
from calsreg.records.services import Actor, audit_record

# The desk still has work on these: the open ones, and a registered one waits for the start of use.
ASSIGNABLE_STATUSES = OPEN_STATUSES | {Status.REGISTERED}


def _operator_label(user: Any) -> str:
    return str(user) if user is not None else ""


@transaction.atomic
def application_assign(*, application: Application, operator: Any | None, actor: Actor) -> Application:
    """Put ``operator`` (a help-desk user or an administrator) in charge; ``None`` unassigns.

    Raises ``ValidationFailed`` when ``operator`` cannot work the desk (another role, or inactive),
    ``Conflict`` when a finished application (in service, rejected, withdrawn) would get an operator.
    Assigning the operator already in charge changes nothing and records nothing.
    """
    # ``operator`` is an accounts.User; this layer may not import it, so the role is asked for by
    # the property every user has (the same one the desk's permission check uses).
    if operator is not None and not getattr(operator, "is_desk_staff", False):
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="operator",
                    label=_("担当者"),
                    message=_("担当者にはヘルプデスクの職員を選んでください。"),
                )
            ]
        )
    application = Application.objects.select_for_update().get(pk=application.pk)
    before = application.assigned_to
    if (before.pk if before else None) == (operator.pk if operator else None):
        return application
    if operator is not None and application.status not in ASSIGNABLE_STATUSES:
        raise Conflict(
            _("「%(status)s」の申込は処理が終わっているため、担当者を割り当てられません。")
            % {"status": application.get_status_display()}
        )
    application.assigned_to = operator
    application.save(update_fields=["assigned_to", "updated_at"])
    audit_record(
        actor=actor,
        action="application.assigned",
        subject=application,
        summary=(
            gettext_noop("担当者を%(operator)sにしました。")
            if operator is not None
            else gettext_noop("担当者の割り当てを外しました。")
        ),
        summary_params={"operator": _operator_label(operator)} if operator is not None else None,
        data={
            "before": before.pk if before else None,
            "before_label": _operator_label(before),
            "after": operator.pk if operator else None,
            "after_label": _operator_label(operator),
        },
    )
    return application
