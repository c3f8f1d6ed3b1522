"""The billing calendar: which run a draft goes to, when a posted invoice arrives, when it is due.

Seed step 6: use is suspended when the fee is unpaid "by the end of the month following the
invoice's arrival". Hence:

* **arrival** = posting date + ``settings.POSTAL_DELIVERY_BUSINESS_DAYS`` business days (the help
  desk's calendar: weekends, national and substitute holidays, 12/29–1/3; Japan Post has not
  delivered ordinary mail on Saturdays since 2021-10), unless the agent records the real date;
* **due date** = the last day of the month following the arrival month, and when that day is not a
  business day it **rolls forward to the next business day**: a bank transfer cannot be credited on
  a bank holiday (銀行法施行令第5条: weekends, national holidays and 12/31–1/3), so a contractor
  must not lose the last day of the month to a weekend. The only year-end closure day that can be a
  month end is 12/31, which is a bank holiday too, so the help desk's calendar gives the banks' answer.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date

from django.conf import settings

from calsreg.core.calendar import add_business_days, next_business_day


def month_start(day: date, *, months_ahead: int = 0) -> date:
    index = day.year * 12 + (day.month - 1) + months_ahead
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    return day.replace(day=stdlib_calendar.monthrange(day.year, day.month)[1])


def run_month_for_start(*, started_on: date, cutoff_day: int) -> date:
    """Start of use on or before ``cutoff_day`` → next month's run; later → the month after."""
    return month_start(started_on, months_ahead=1 if started_on.day <= cutoff_day else 2)


def arrival_for_posting(*, posted_on: date, business_days: int | None = None) -> date:
    days = settings.POSTAL_DELIVERY_BUSINESS_DAYS if business_days is None else business_days
    return add_business_days(posted_on, days)


def due_date_for_arrival(*, arrival_on: date) -> date:
    """The last day of the month after ``arrival_on``'s month, rolled forward to a business day."""
    return next_business_day(month_end(month_start(arrival_on, months_ahead=1)))
