"""Which months a billing run may be for (the desk's button, the ``billing_run`` command).

A run issues every draft whose run month has come, dated today, so the month it names only bounds
which drafts go out. Two bounds keep a typing slip from doing something nobody meant:

* **not after next month** — the agent prepares next month's run at the end of this one (the
  drafts of a start of use on or before the cutoff day go to the next month's run); a run for a
  month further ahead (``9999-12``) would issue drafts long before their time;
* **not before the first service month** — the month the first project of all started its use
  (``first_service_day``). No invoice can belong to a month before it, so such a run (``0001-01``)
  is a slip. While no project has started, this month is the floor.
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from calsreg.billing.due_dates import month_start
from calsreg.billing.selectors import first_service_day
from calsreg.core.errors import FieldError, ValidationFailed

# How many months after the current one a run may be for (1: next month's run, prepared this month).
RUN_MONTHS_AHEAD = 1


def run_month_check(*, run_month: date, today: date) -> date:
    """The first day of ``run_month`` (any day of it), or ``ValidationFailed`` on field ``run_month``
    when it is after next month or before the first service month."""
    month = month_start(run_month)
    latest = month_start(today, months_ahead=RUN_MONTHS_AHEAD)
    if month > latest:
        raise _refusal(
            _("%(month)s分の請求処理はまだできません。請求処理は翌月（%(latest)s）分までです。")
            % {"month": _shown(month), "latest": _shown(latest)}
        )
    first_day = first_service_day()
    earliest = month_start(first_day or today)
    if month < earliest:
        message = (
            _("%(month)s分の請求処理はできません。最初に利用を開始した月（%(earliest)s）より前の月です。")
            if first_day
            else _(
                "%(month)s分の請求処理はできません。利用を開始した工事がまだないため、今月（%(earliest)s）より前の月は指定できません。"
            )
        )
        raise _refusal(message % {"month": _shown(month), "earliest": _shown(earliest)})
    return month


def _shown(month: date) -> str:
    # Not strftime: %Y drops the leading zeros of years before 1000 (0001-01 would read "1-01").
    return f"{month.year:04d}-{month.month:02d}"


def _refusal(message: str) -> ValidationFailed:
    return ValidationFailed(errors=[FieldError(field="run_month", label=_("請求月"), message=message)])
