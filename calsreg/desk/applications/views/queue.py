"""The application queue: filters, status chips, sortable columns, 50 rows a page (keyset pages)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from calsreg.applications.selectors import (
    applications_for_queue,
    queue_sort_order,
    queue_status_counts,
    queue_total,
)
from calsreg.applications.states import Status
from calsreg.desk.applications.forms import QueueFilterForm
from calsreg.desk.applications.presenters import queue_columns
from calsreg.desk.paging import keyset_page
from calsreg.desk.permissions import desk_staff_required
from calsreg.desk.projects.selectors import with_project_state

QUEUE_PAGE_SIZE = 50
# Above this many matches a filtered queue says "more than" instead of counting them all.
QUEUE_COUNT_CAP = 1000

# (label, QUEUE_SORTS key or "" when not sortable, CSS class)
QUEUE_COLUMNS = [
    (_("受付番号"), "receipt", "nowrap"),
    (_("受付日時"), "received", "nowrap"),
    (_("発注事務所"), "office", ""),
    (_("工事番号"), "", "nowrap"),
    (_("工事名"), "project", ""),
    (_("会社名"), "", ""),
    (_("状態"), "status", "nowrap"),
]


@desk_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    page = keyset_page(
        with_project_state(applications_for_queue(filters=filters)),
        order=queue_sort_order(filters=filters),
        params=request.GET,
        size=QUEUE_PAGE_SIZE,
        salt=f"queue:{filters.sort}",
    )
    counts = queue_status_counts()
    total, more = queue_total(filters=filters, counts=counts, cap=QUEUE_COUNT_CAP)
    chips = [{"value": "", "label": _("すべて"), "count": sum(counts.values())}] + [
        {"value": value, "label": label, "count": counts.get(value, 0)} for value, label in Status.choices
    ]
    return render(
        request,
        "desk/queue.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "total": total,
            "total_is_lower_bound": more,
            "chips": chips,
            "columns": queue_columns(QUEUE_COLUMNS, filters.sort),
        },
    )
