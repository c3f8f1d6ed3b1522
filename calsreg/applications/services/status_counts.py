"""The per-state counters: folding the appended changes into them, and recomputing them from the
applications themselves.

``Application.save``/``delete`` append one ``ApplicationStatusChange`` per state left or entered;
``status_counts_fold`` (a worker maintenance entry) adds them to ``ApplicationStatusCount`` and deletes
them. ``status_counts_rebuild`` is for rows that bypass the models (a bulk load with ``bulk_create``
or ``COPY``, a restore) and ``status_counts_actual`` for checking that the counters agree.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from calsreg.applications.models import Application, ApplicationStatusChange, ApplicationStatusCount
from calsreg.applications.states import Status

FOLD_BATCH = 5_000  # changes folded per transaction
_DELETE_CHUNK = 900  # ids per DELETE (SQLite's parameter limit)


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
    # Changes a fold is working on are waited for, then dropped: the count below includes them.
    pending = list(ApplicationStatusChange.objects.select_for_update().values_list("id", flat=True))
    _changes_delete(pending)
    counts = status_counts_actual()
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


def status_counts_fold() -> int:
    """Add the appended per-state changes to the counters and delete them; returns how many were folded.

    The changes are taken with skip-locked row locks, so two workers folding at once never add the same
    change twice; the counter rows are locked only for the moment of this short transaction, in the
    states' order.
    """
    with transaction.atomic():
        rows = list(
            ApplicationStatusChange.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "status", "delta")[:FOLD_BATCH]
        )
        if not rows:
            return 0
        sums: dict[str, int] = defaultdict(int)
        for _id, status, delta in rows:
            sums[status] += delta
        _changes_delete([row[0] for row in rows])
        for status in sorted(sums):
            _count_add(status, sums[status])
    return len(rows)


def _changes_delete(ids: list[int]) -> None:
    for start in range(0, len(ids), _DELETE_CHUNK):
        ApplicationStatusChange.objects.filter(id__in=ids[start : start + _DELETE_CHUNK]).delete()


def _count_add(status: str, delta: int) -> None:
    if delta == 0 or ApplicationStatusCount.objects.filter(status=status).update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():  # savepoint: a concurrent first insert of this state may win
            ApplicationStatusCount.objects.create(status=status, count=delta)
    except IntegrityError:
        ApplicationStatusCount.objects.filter(status=status).update(count=F("count") + delta)
