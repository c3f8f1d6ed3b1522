"""Verify every kept file (evidence, invoice PDFs, billing-run files) against its row, and find
the files no row names. Used by ``manage.py verify_evidence`` and by the backup's restore check.

``records`` imports no other app: a model takes part by declaring which of its file fields carries
which checksum field (``KEPT_FILE_CHECKSUMS = {"file": "sha256"}``); every other file field is only
checked for presence. Files are found through the models' file fields (``calsreg.core.files``).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import models

from calsreg.core import clock
from calsreg.core.files import (
    TEMP_NAME,
    kept_file_fields,
    marker_is_stale,
    storage_name_of,
    walk_kept_files,
)

MISSING = "missing"
CHECKSUM_MISMATCH = "checksum_mismatch"
ORPHAN = "orphan"  # a file no row names
STALE_TEMP = "stale_temp"  # a temporary file older than the pending limit (the sweep removes it)


@dataclass(frozen=True)
class FileProblem:
    kind: str
    name: str  # storage name (relative to the media folder)
    row: str = ""  # e.g. "billing.invoicedocument#12.file"


@dataclass
class KeptFilesReport:
    checked: int = 0
    purged: int = 0
    problems: list[FileProblem] = field(default_factory=list)
    # Files checked per kind of row, e.g. {"billing.invoicedocument.file": 12}: the operator sees
    # that the invoice PDFs and the billing runs' files were read, not only the evidence.
    checked_by: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str) -> int:
        return sum(1 for problem in self.problems if problem.kind == kind)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "purged": self.purged,
            "missing": self.count(MISSING),
            "checksum_mismatch": self.count(CHECKSUM_MISMATCH),
            "orphans": self.count(ORPHAN),
            "stale_temp": self.count(STALE_TEMP),
            "checked_by": dict(self.checked_by),
            "problems": [asdict(problem) for problem in self.problems],
        }


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def kept_files_verify(*, now: datetime | None = None) -> KeptFilesReport:
    """Re-read every kept file and compare it with its row's checksum; report missing files, and
    files without a row (temporary files of transactions still running are left out). A file
    deleted at the end of its retention period (its name cleared) counts as purged."""
    report = KeptFilesReport()
    referenced: set[str] = set()
    for model, file_field in kept_file_fields():
        _rows_verify(model, file_field, report=report, referenced=referenced)
    _orphans_find(referenced, report=report, now=now or clock.now())
    return report


def _rows_verify(
    model: type[models.Model], file_field: models.FileField, *, report: KeptFilesReport, referenced: set[str]
) -> None:
    checksum_field = getattr(model, "KEPT_FILE_CHECKSUMS", {}).get(file_field.name)
    columns = ["pk", file_field.name] + ([checksum_field] if checksum_field else [])
    label = model._meta.label_lower
    kind = f"{label}.{file_field.name}"
    report.checked_by.setdefault(kind, 0)
    for row in model._base_manager.order_by("pk").values_list(*columns).iterator():
        pk, name = row[0], row[1]
        if not name:
            report.purged += int(model._meta.model_name == "evidence")
            continue
        referenced.add(name)
        report.checked += 1
        report.checked_by[kind] += 1
        where = f"{label}#{pk}.{file_field.name}"
        try:
            digest = file_sha256(file_field.storage.path(name))
        except OSError:
            report.problems.append(FileProblem(MISSING, name, where))
            continue
        if checksum_field and digest != row[2]:
            report.problems.append(FileProblem(CHECKSUM_MISMATCH, name, where))


def _orphans_find(referenced: set[str], *, report: KeptFilesReport, now: datetime) -> None:
    paths = list(walk_kept_files())
    in_flight: set[Path] = set()
    for path in paths:
        match = TEMP_NAME.match(path.name)
        if match is None:
            continue
        if marker_is_stale(path, now=now):
            # A marker beside its committed file is only a commit hook that did not run (the sweep
            # removes it); one whose file no row names is a dead transaction's leftover.
            if storage_name_of(path.with_name(match["final"])) not in referenced:
                report.problems.append(FileProblem(STALE_TEMP, storage_name_of(path)))
        else:
            in_flight.add(path.with_name(match["final"]))
    for path in paths:
        if TEMP_NAME.match(path.name) or path in in_flight:
            continue
        name = storage_name_of(path)
        if name not in referenced:
            report.problems.append(FileProblem(ORPHAN, name))
