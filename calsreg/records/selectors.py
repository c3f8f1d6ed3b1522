from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from calsreg.records.models import AuditEvent, Evidence


def evidence_for(*, subject: models.Model) -> QuerySet[Evidence]:
    return Evidence.objects.filter(subject_type=subject._meta.model_name, subject_id=subject.pk).order_by(
        "received_at", "id"
    )


def audit_timeline(*, subject: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(subject_type=subject._meta.model_name, subject_id=subject.pk).order_by(
        "at", "id"
    )
