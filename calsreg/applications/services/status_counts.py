"""The per-state counters (``ApplicationStatusCount``) recomputed from the applications themselves.

``Application.save``/``delete`` keep the counters in step with every change; this is for rows that
bypass them (a bulk load with ``bulk_create`` or ``COPY``, a restore) and for checking they agree.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count

from calsreg.applications.models import Application, ApplicationStatusCount
from calsreg.applications.states import Status


def status_counts_actual() -> dict[str, int]:
    """Every state's count from the applications table (a whole-table GROUP BY: for checks only)."""
    counts = dict.fromkeys(Status.values, 0)
    for status, n in Application.objects.order_by().values_list("status").annotate(n=Count("*")):
        counts[status] = n
    return counts


@transaction.atomic
def status_counts_rebuild() -> dict[str, int]:
    """Recompute every counter from the applications; returns the counts written.

    The applications table is locked against writes meanwhile (PostgreSQL), so no change slips in
    between the count and the write.
    """
    with transaction.get_connection().cursor() as cursor:
        if cursor.db.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {Application._meta.db_table} IN SHARE MODE")
    counts = status_counts_actual()
    # Locked in the states' order, as the movers take them.
    existing = set(
        ApplicationStatusCount.objects.select_for_update().order_by("status").values_list("status", flat=True)
    )
    for status in sorted(counts):
        if status in existing:
            ApplicationStatusCount.objects.filter(status=status).update(count=counts[status])
        else:
            ApplicationStatusCount.objects.create(status=status, count=counts[status])
    ApplicationStatusCount.objects.exclude(status__in=counts).delete()
    return counts
