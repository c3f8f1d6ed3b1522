"""The dashboard's panels: figures from ``selectors`` shaped for the template, charts included.

Who sees what (security invariant 6): the help desk sees the work panels (counts by status, the
weekly chart, lead times); the receivables panel holds billing figures and is shown to billing
staff (the billing agent, administrators) only. An administrator sees both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from calsreg.applications.states import Status
from calsreg.changes.models import ChangeStatus
from calsreg.core.business_hours import format_business_hours
from calsreg.desk.dashboard import selectors
from calsreg.desk.dashboard.charts import PALETTE, Chart, Series, grouped_hbars, stacked_bars


def count_text(count: float) -> str:
    number = round(count)
    return ngettext("%(count)s件", "%(count)s件", number) % {"count": f"{number:,}"}


def yen_text(amount: float) -> str:
    return _("%(amount)s円") % {"amount": f"{round(amount):,}"}


def week_label(monday: date) -> str:
    return _("%(month)d/%(day)d〜") % {"month": monday.month, "day": monday.day}


def status_series() -> list[Series]:
    return [
        Series(value, label, PALETTE[index % len(PALETTE)])
        for index, (value, label) in enumerate(Status.choices)
    ]


def _status_rows(counts: dict[str, int], choices: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in choices]


def weekly_panel(*, today: date) -> dict[str, Any]:
    weekly = selectors.applications_per_week(today=today)
    series = status_series()
    labels = [week_label(monday) for monday in weekly.weeks]
    chart = stacked_bars(
        key="weekly",
        title=_("週ごとの受付件数（状態別、直近%(weeks)d週）") % {"weeks": len(weekly.weeks)},
        description=_(
            "各週（月曜〜日曜）に受け付けた申込の件数を、現在の状態で積み上げた棒グラフ。同じ数字を下の表に示します。"
        ),
        categories=labels,
        series=series,
        values=[weekly.counts[monday] for monday in weekly.weeks],
        value_text=count_text,
    )
    rows = [
        {
            "label": label,
            "monday": monday,
            "cells": [weekly.counts[monday].get(item.key, 0) for item in series],
            "total": weekly.total(monday),
        }
        for label, monday in zip(labels, weekly.weeks, strict=True)
    ]
    return {"chart": chart, "series": series, "rows": rows}


def _lead_time_chart(key: str, title: str, lead_times: list[selectors.LeadTime]) -> Chart:
    series = [Series("median", _("中央値"), PALETTE[1]), Series("p90", _("90パーセンタイル"), PALETTE[0])]
    return grouped_hbars(
        key=key,
        title=title,
        description=_(
            "各段階にかかった営業時間の中央値と90パーセンタイルの横棒グラフ。同じ数字を下の表に示します。"
        ),
        categories=[str(lead.label) for lead in lead_times],
        series=series,
        values=[{"median": lead.median_hours, "p90": lead.p90_hours} for lead in lead_times],
        value_text=format_business_hours,
    )


def lead_time_panel(*, now: datetime) -> dict[str, Any]:
    applications = selectors.application_lead_times(now=now)
    changes = selectors.change_request_lead_times(now=now)
    days = selectors.LEAD_TIME_DAYS
    return {
        "days": days,
        "applications": applications,
        "changes": changes,
        "application_chart": _lead_time_chart(
            "lead-applications", _("利用申込の処理時間（直近%(days)d日）") % {"days": days}, applications
        ),
        "change_chart": _lead_time_chart(
            "lead-changes", _("変更申込の処理時間（直近%(days)d日）") % {"days": days}, changes
        ),
    }


def work_panels(*, today: date, now: datetime) -> dict[str, Any]:
    """Counts by status, the weekly chart and lead times (five queries)."""
    application_counts = selectors.application_counts()
    change_counts = selectors.change_request_counts()
    return {
        "application_counts": _status_rows(application_counts, Status.choices),
        "application_total": sum(application_counts.values()),
        "change_counts": _status_rows(change_counts, ChangeStatus.choices),
        "change_total": sum(change_counts.values()),
        "weekly": weekly_panel(today=today),
        "lead_times": lead_time_panel(now=now),
    }


def billing_panel(*, today: date) -> dict[str, Any]:
    """Unpaid amounts by days past due (one query)."""
    owed = selectors.receivables(today=today)
    chart = grouped_hbars(
        key="receivables",
        title=_("未入金額（支払期限からの経過日数別）"),
        description=_(
            "発行済み・郵送済みで未入金の請求額を、支払期限前と超過日数の区分ごとに示す横棒グラフ。同じ数字を下の表に示します。"
        ),
        categories=[str(bucket.label) for bucket in owed.buckets],
        series=[Series("amount", _("未入金額"), PALETTE[6])],
        values=[{"amount": bucket.amount} for bucket in owed.buckets],
        value_text=yen_text,
    )
    return {"receivables": owed, "chart": chart}
