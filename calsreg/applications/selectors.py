"""Reads of the applications app."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from calsreg.applications.models import Application, ApplicationStatusChange, ApplicationStatusCount
from calsreg.applications.states import Status
from calsreg.core.errors import NotFound
from calsreg.core.text_search import text_search_filter
from calsreg.directory.models import OrdererOffice, Supervisor

# Applications that no longer count when looking for a duplicate.
CLOSED_WITHOUT_SERVICE = (Status.REJECTED, Status.WITHDRAWN)


def _normalised_company(name: str) -> str:
    return "".join(name.split()).replace("　", "")


def duplicate_candidate(
    *, office: OrdererOffice, project_number: str, contractor_name: str
) -> Application | None:
    """An earlier live application for the same office + project number + contractor, if any."""
    candidates = (
        Application.objects.filter(office=office, project_number=project_number)
        .exclude(status__in=CLOSED_WITHOUT_SERVICE)
        .order_by("submitted_at", "id")
        .only("id", "receipt_number", "contractor_name")
    )
    wanted = _normalised_company(contractor_name)
    for candidate in candidates:
        if _normalised_company(candidate.contractor_name) == wanted:
            return candidate
    return None


def application_for_status(*, receipt_number: str, email: str) -> Application | None:
    """The applicant's status lookup: both the receipt number and the applicant's e-mail must match."""
    receipt_number = receipt_number.strip().upper()
    email = email.strip()
    if not receipt_number or not email:
        return None
    return (
        Application.objects.select_related("office")
        .filter(receipt_number=receipt_number, applicant_email__iexact=email)
        .first()
    )


def application_detail(*, pk: int) -> Application:
    return (
        Application.objects.select_related("office", "office__organisation", "duplicate_of")
        .prefetch_related(
            "users", Prefetch("supervisors", queryset=Supervisor.objects.select_related("office"))
        )
        .get(pk=pk)
    )


def applications_queryset() -> QuerySet[Application]:
    return Application.objects.select_related("office", "duplicate_of")


# --- the help desk's queue ------------------------------------------------------------------------

QUEUE_SORTS = {
    "received": ("submitted_at", "id"),
    "-received": ("-submitted_at", "-id"),
    "receipt": ("receipt_number",),
    "-receipt": ("-receipt_number",),
    "project": ("project_name", "id"),
    "-project": ("-project_name", "-id"),
    "office": ("office__code", "-submitted_at", "-id"),
    "-office": ("-office__code", "-submitted_at", "-id"),
    "status": ("status", "-submitted_at", "-id"),
    "-status": ("-status", "-submitted_at", "-id"),
}
# Every order above ends in a unique column (the desk pages it by key: calsreg/desk/paging.py) and,
# except by office (a joined column: sorted by the database over the filtered rows), is served by
# one of Application's indexes read forwards or backwards.
DEFAULT_QUEUE_SORT = "-received"


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    office_id: int | None = None
    received_from: date | None = None
    received_to: date | None = None
    text: str = ""
    duplicates_only: bool = False
    sort: str = DEFAULT_QUEUE_SORT


def applications_for_queue(*, filters: QueueFilters) -> QuerySet[Application]:
    """The desk's queue, filtered and sorted; the caller paginates. One query per page."""
    queryset = applications_queryset().only(
        "id",
        "receipt_number",
        "status",
        "channel",
        "submitted_at",
        "project_number",
        "project_name",
        "contractor_name",
        "office__name",
        "office__code",
        "duplicate_of__receipt_number",
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.office_id:
        queryset = queryset.filter(office_id=filters.office_id)
    if filters.received_from:
        queryset = queryset.filter(submitted_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        queryset = queryset.filter(submitted_at__lt=_day_start(filters.received_to + timedelta(days=1)))
    if filters.duplicates_only:
        queryset = queryset.filter(duplicate_of__isnull=False)
    # A part of the receipt number, project number, project name or company, any width or kana.
    queryset = text_search_filter(queryset, filters.text)
    return queryset.order_by(*queue_sort_order(filters=filters))


def queue_sort_order(*, filters: QueueFilters) -> tuple[str, ...]:
    return QUEUE_SORTS.get(filters.sort, QUEUE_SORTS[DEFAULT_QUEUE_SORT])


def queue_total(*, filters: QueueFilters, counts: dict[str, int], cap: int) -> tuple[int, bool]:
    """How many applications the queue's filters select, and whether that is only a lower bound.

    With no filter but the state, the kept counters answer; otherwise at most ``cap`` + 1 rows are
    counted (``True``: there are more than ``cap``), so the cost never grows with the table.
    """
    narrowed = (
        replace(filters, status="", sort=DEFAULT_QUEUE_SORT, text=filters.text.strip()) != QueueFilters()
    )
    if not narrowed:
        return (counts.get(filters.status, 0) if filters.status else sum(counts.values())), False
    found = applications_for_queue(filters=filters).order_by()[: cap + 1].count()
    return min(found, cap), found > cap


def queue_status_counts() -> dict[str, int]:
    """How many applications are in each state: the folded counters plus the changes appended since the
    last fold (a handful of rows between two maintenance passes), in one small query."""
    counts = dict.fromkeys(Status.values, 0)
    counted = ApplicationStatusCount._meta.db_table
    changes = ApplicationStatusChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, SUM(n) FROM (SELECT status, count AS n FROM {counted}"  # noqa: S608 - table names only
            f" UNION ALL SELECT status, delta AS n FROM {changes}) AS kept GROUP BY status"
        )
        for status, n in cursor.fetchall():
            counts[status] = int(n)
    return counts


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def application_by_receipt_number(*, receipt_number: str) -> Application:
    """The application with every related row (``application_detail``); raises ``NotFound``."""
    pk = Application.objects.filter(receipt_number=receipt_number.strip().upper()).values_list(
        "pk", flat=True
    )
    found = pk.first()
    if found is None:
        raise NotFound(_("その受付番号の申込はありません。"))
    return application_detail(pk=found)


def applicant_personal_data(*, application: Application) -> dict[str, Any]:
    """What the application holds on its applicant (申込担当者), for a disclosure (個人情報保護法 第33条)."""
    return {
        "role": "applicant",
        "name": application.applicant_name,
        "kana": application.applicant_kana,
        "email": application.applicant_email,
        "phone": application.applicant_phone,
        "application": application.receipt_number,
    }
