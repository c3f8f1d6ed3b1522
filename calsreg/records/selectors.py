from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

from calsreg.core.subjects import subject_type_of
from calsreg.records.models import AuditEvent, Evidence


@dataclass(frozen=True)
class EvidenceCopy:
    """The stored bytes of one evidence file, and whether they still match the recorded checksum."""

    evidence: Evidence
    content: bytes | None
    intact: bool

    @property
    def missing(self) -> bool:
        return self.content is None


def evidence_read(*, evidence: Evidence) -> EvidenceCopy:
    """Read the stored file once and verify exactly the bytes that would be served."""
    try:
        with evidence.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return EvidenceCopy(evidence=evidence, content=None, intact=False)
    digest = hashlib.sha256(content).hexdigest()
    return EvidenceCopy(evidence=evidence, content=content, intact=digest == evidence.sha256)


def evidence_for(*, subject: models.Model) -> QuerySet[Evidence]:
    return Evidence.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk).order_by(
        "received_at", "id"
    )


def audit_timeline(*, subject: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(subject_type=subject_type_of(subject), subject_id=subject.pk).order_by(
        "at", "id"
    )
