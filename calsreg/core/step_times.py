"""Stored step durations: how many business microseconds each step of a case took, written when the
step ends, so the dashboard reads "steps ended in the last N days" by an index range instead of
scanning every case and counting business hours row by row.

A step is a pair of timestamps on the case (``(key, start field, end field)``). Its stored row is a
function of those two timestamps only: present when both are set, ``ended_at`` = the end, the
duration = ``BusinessClock`` reading at the end minus the one at the start (never negative). The
owning app rewrites a case's rows whenever it stamps one of the timestamps (``step_times_write``,
in the same transaction), so the rows always equal the timestamps' differences; ``step_times_rebuild``
computes them for every case (after a bulk load, or after the desk hours in the settings changed,
since business time depends on them).

Generic over the model: the applications and changes apps own their step tables and call these
helpers from their own services (and migrations, with historical models).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Model, Q

from calsreg.core.business_hours import BusinessClock


class StepTime(models.Model):
    """The fields every step table shares: which step, when it ended, its business time. The concrete
    table adds the case it belongs to, one-per-(case, step) and the (step, ended_at, business_us) index."""

    step = models.CharField(max_length=32)
    ended_at = models.DateTimeField()
    business_us = models.BigIntegerField()  # business microseconds (core.business_hours)

    class Meta:
        abstract = True


Span = tuple[str, str, str]  # (step key, start field, end field)
REBUILD_BATCH = 5_000


def step_durations(
    spans: Iterable[Span], values: Mapping[str, datetime | None], *, clock: BusinessClock
) -> list[tuple[str, datetime, int]]:
    """(step, ended_at, business microseconds) of each step whose two timestamps are set."""
    rows = []
    for key, start_field, end_field in spans:
        started, ended = values[start_field], values[end_field]
        if started is not None and ended is not None:
            rows.append((key, ended, max(0, clock.at(ended) - clock.at(started))))
    return rows


def step_times_write(
    *, step_model: type[Model], subject_field: str, subject: Model, spans: Sequence[Span]
) -> None:
    """Replace ``subject``'s step rows by those of its current timestamps (two statements)."""
    values = {name: getattr(subject, name) for _key, start, end in spans for name in (start, end)}
    rows = step_durations(spans, values, clock=BusinessClock())
    step_model._default_manager.filter(**{subject_field: subject}).delete()
    step_model._default_manager.bulk_create(
        [
            step_model(**{subject_field: subject}, step=key, ended_at=ended, business_us=us)
            for key, ended, us in rows
        ]
    )


def step_times_rebuild(
    *,
    subject_model: type[Model],
    step_model: type[Model],
    subject_field: str,
    spans: Sequence[Span],
    batch_size: int = REBUILD_BATCH,
) -> int:
    """Recompute every step row from the subjects' timestamps; returns the number of rows written.
    Reads the subjects in primary-key batches, so memory stays bounded."""
    step_model._default_manager.all().delete()
    fields = list(dict.fromkeys(name for _key, start, end in spans for name in (start, end)))
    ended = Q()
    for _key, _start, end in spans:
        ended |= Q(**{f"{end}__isnull": False})
    subjects = subject_model._default_manager.filter(ended).order_by("pk")
    clock = BusinessClock()
    written, last = 0, None
    while True:
        batch: list[Any] = list(
            (subjects if last is None else subjects.filter(pk__gt=last)).values_list("pk", *fields)[
                :batch_size
            ]
        )
        if not batch:
            return written
        rows = [
            step_model(**{f"{subject_field}_id": row[0]}, step=key, ended_at=at, business_us=us)
            for row in batch
            for key, at, us in step_durations(spans, dict(zip(fields, row[1:], strict=True)), clock=clock)
        ]
        step_model._default_manager.bulk_create(rows, batch_size=batch_size)
        written += len(rows)
        last = batch[-1][0]
