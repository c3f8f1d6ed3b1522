"""The rules a project's construction period (工期) must keep with the rest of the project.

One function shared by the service that changes the period (``project_details_change``) and by the
change-request validator, which checks a requested period when it is filed: a request filed before
another one set an early end of use is checked again when applied, here.

- the application form's period rules (end not before start, at most ten years, contract date in it);
- an early end of use already set (``Project.ends_on``) stays inside the period: a period ending
  before it would leave the project open past its works (the daily job closes a project the day
  after ``ends_on``);
- a start of use scheduled for a later day is not after the period's end.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from calsreg.accounts.models import Project, ProjectStatus
from calsreg.applications.validation import FieldCollector, check_period
from calsreg.core.errors import FieldError


def project_period_errors(
    *, project: Project, period_start: date, period_end: date, early_end: bool = True
) -> list[FieldError]:
    """What is wrong with giving ``project`` the period ``period_start``–``period_end`` (empty: nothing).

    ``early_end=False`` leaves out the current early end of use, for a change that sets a new one
    together with the period (checked by its own rule). Errors name the period field to change
    (``period_start`` or ``period_end``).
    """
    out = FieldCollector()
    contract_date = project.application.contract_date
    check_period(
        {"period_start": period_start, "period_end": period_end, "contract_date": contract_date}, out
    )
    errors = list(out.errors)
    if errors:
        return errors
    ends_on = project.ends_on if early_end else None
    if ends_on is not None and not period_start <= ends_on <= period_end:
        after_end = ends_on > period_end
        errors.append(
            FieldError(
                field="period_end" if after_end else "period_start",
                label=_("工期（終了日）") if after_end else _("工期（開始日）"),
                message=_(
                    "工期を%(start)s〜%(end)sにすると、すでに決まっている利用終了日（%(ends_on)s）が"
                    "工期の外になります。利用終了日（早期終了）も工期内の日付に変更してください。"
                )
                % {
                    "start": period_start.isoformat(),
                    "end": period_end.isoformat(),
                    "ends_on": ends_on.isoformat(),
                },
            )
        )
    starts_on = project.service_starts_on
    if project.status == ProjectStatus.PROVISIONED and starts_on is not None and starts_on > period_end:
        errors.append(
            FieldError(
                field="period_end",
                label=_("工期（終了日）"),
                message=_(
                    "工期の終了日（%(end)s）が利用開始予定日（%(starts_on)s）より前になります。"
                    "利用開始予定日を見直してから、工期を変更してください。"
                )
                % {"end": period_end.isoformat(), "starts_on": starts_on.isoformat()},
            )
        )
    return errors
