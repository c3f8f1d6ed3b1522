"""Writes of the records app: store evidence, verify it, append audit events; erase the personal
data they hold when the retention purge asks (the purge passes the scrubber)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_noop

from calsreg.core import clock
from calsreg.core.files import file_delete, file_keep, files_discarded_on_failure, orphaned_files_sweep
from calsreg.core.redaction import Scrubber, save_changed
from calsreg.core.subjects import subject_type_of
from calsreg.records.kept_files import KeptFilesReport, kept_files_verify
from calsreg.records.models import ActorType, AuditEvent, Evidence
from calsreg.records.selectors import EvidenceCopy


@dataclass(frozen=True)
class Actor:
    """Who did something: a staff user, or a named outside party (applicant, supervisor, system)."""

    type: str
    label: str
    user: Any = None

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls(type=ActorType.STAFF, label=user.get_username(), user=user)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(type=ActorType.SYSTEM, label=label)

    @classmethod
    def applicant(cls, email: str) -> Actor:
        return cls(type=ActorType.APPLICANT, label=email)

    @classmethod
    def api(cls, user: Any) -> Actor:
        return cls(type=ActorType.API, label=f"api:{user.get_username()}", user=user)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def evidence_store(
    *,
    content: bytes,
    original_name: str,
    content_type: str,
    kind: str,
    subject: models.Model,
    actor: Actor,
    received_at: datetime | None = None,
    note: str = "",
) -> Evidence:
    """Store an original unaltered. The storage never overwrites: a clashing name gets a new one.
    The file exists only if the caller's transaction commits (``calsreg.core.files``); a full disk
    raises StorageFull, and nothing is stored."""
    evidence = Evidence(
        kind=kind,
        subject_type=subject_type_of(subject),
        subject_id=subject.pk,
        original_name=original_name[:255],
        content_type=content_type[:120] or "application/octet-stream",
        size_bytes=len(content),
        sha256=sha256_of(content),
        received_at=received_at or clock.now(),
        stored_by=actor.user,
        note=note,
    )
    file_keep(evidence.file, _storage_name(original_name, evidence.sha256), content)
    evidence.save()
    return evidence


# The block that removes, when a submission fails, the files it wrote (see calsreg.core.files).
evidence_files_discarded_on_failure = files_discarded_on_failure


def _storage_name(original_name: str, digest: str) -> str:
    suffix = ""
    if "." in original_name:
        suffix = "." + original_name.rsplit(".", 1)[1].lower()[:8]
        if not suffix[1:].isalnum():
            suffix = ""
    return f"{digest[:16]}{suffix}"


@dataclass(frozen=True)
class VerificationResult:
    evidence: Evidence
    ok: bool
    reason: str = ""

    @property
    def purged(self) -> bool:
        return self.reason == "purged"


def evidence_verify(*, evidence: Evidence) -> VerificationResult:
    """Re-read the stored bytes and compare with the checksum recorded at receipt.

    A file deleted at the end of its retention period (``purged_at`` set) is not a failure: the
    result is ok with reason "purged".
    """
    if evidence.purged_at is not None:
        return VerificationResult(evidence=evidence, ok=True, reason="purged")
    try:
        with evidence.file.open("rb") as handle:
            digest = hashlib.sha256()
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError):
        return VerificationResult(evidence=evidence, ok=False, reason="missing")
    if digest.hexdigest() != evidence.sha256:
        return VerificationResult(evidence=evidence, ok=False, reason="checksum_mismatch")
    return VerificationResult(evidence=evidence, ok=True)


def files_verify(*, now: datetime | None = None) -> KeptFilesReport:
    """Every kept file (evidence, invoice PDFs, billing-run files) against its row's checksum, and
    the files no row names; ``report.ok`` when nothing is wrong. Writes nothing."""
    return kept_files_verify(now=now)


def files_orphaned_sweep() -> int:
    """Worker maintenance: remove the temporary files of transactions that rolled back or whose
    process died (older than CALSREG_FILES_PENDING_MAX_AGE_SECONDS), with their file when no row
    names it. Idempotent and safe in several workers at once. Returns how many files went."""
    return orphaned_files_sweep(now=clock.now())


def evidence_purge(*, evidence: Evidence, at: datetime) -> bool:
    """Delete the stored file of an original whose retention period is over; False if done already.

    The row stays, with its checksum and size, as the record that the original existed; its file
    name is cleared and ``purged_at`` set. Call inside the caller's transaction: the file is deleted
    at once, so if that transaction rolls back the row is unmarked and the next run deletes again
    (deleting a file that is gone is harmless).
    """
    if evidence.purged_at is not None:
        return False
    if evidence.file.name:
        file_delete(evidence.file.storage, evidence.file.name)
    evidence.file.name = ""
    evidence.purged_at = at
    evidence.save(update_fields=["file", "purged_at"])
    return True


# Left out of ``field_changes``: bookkeeping, and a secret even in hashed form.
_UNAUDITED_FIELDS = frozenset({"created_at", "updated_at", "password"})


def field_changes(*, before: models.Model | None, after: models.Model) -> dict[str, dict[str, Any]]:
    """The fields that differ between two versions of one row, as ``{"before": …, "after": …}``
    with JSON-safe values (dates and decimals as text); for a new row (``before`` None), every field.
    For an audit event's data: what an edit changed, exactly."""
    changes = {}
    for field in after._meta.concrete_fields:
        # Generated columns (search keys) follow from the others: not a change of their own.
        if field.primary_key or field.generated or field.name in _UNAUDITED_FIELDS:
            continue
        old = field.value_from_object(before) if before is not None else None
        new = field.value_from_object(after)
        if before is None or old != new:
            changes[field.name] = {"before": _json_safe(old), "after": _json_safe(new)}
    return changes


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | list | dict):
        return value
    return str(value)


def audit_record(
    *,
    actor: Actor,
    action: str,
    subject: models.Model,
    summary: str = "",
    summary_params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one audit event. Call inside the same transaction as the change it records.

    ``summary`` is an untranslated message id (mark it with ``gettext_noop``) with ``%(name)s``
    placeholders filled from ``summary_params`` when the event is shown.
    """
    return AuditEvent.objects.create(
        at=at or clock.now(),
        actor_type=actor.type,
        actor=actor.user,
        actor_label=actor.label[:200],
        action=action,
        subject_type=subject_type_of(subject),
        subject_id=subject.pk,
        summary=str(summary)[:300],
        summary_params=summary_params or {},
        data=data or {},
    )


@dataclass(frozen=True)
class AuditEntry:
    """One event of ``audit_record_many``: the arguments ``audit_record`` takes beside the actor."""

    action: str
    subject: models.Model
    summary: str = ""
    summary_params: dict[str, Any] | None = None
    data: dict[str, Any] | None = None


def audit_record_many(*, actor: Actor, entries: Sequence[AuditEntry], at: datetime | None = None) -> None:
    """Append many audit events in one INSERT (a batch of matched transfers); as ``audit_record``."""
    when = at or clock.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=when,
                actor_type=actor.type,
                actor=actor.user,
                actor_label=actor.label[:200],
                action=entry.action,
                subject_type=subject_type_of(entry.subject),
                subject_id=entry.subject.pk,
                summary=str(entry.summary)[:300],
                summary_params=entry.summary_params or {},
                data=entry.data or {},
            )
            for entry in entries
        ]
    )


@transaction.atomic
def evidence_downloaded(*, copy: EvidenceCopy, subject: models.Model, actor: Actor) -> None:
    """Audit that staff took a copy of a kept file (it holds personal data), on the record it
    belongs to, so its timeline shows who downloaded what and whether the file still verified."""
    evidence = copy.evidence
    audit_record(
        actor=actor,
        action="evidence.downloaded",
        subject=subject,
        summary=(
            gettext_noop("証跡ファイルをダウンロードしました: %(name)s")
            if copy.intact
            else gettext_noop("チェックサムが一致しない証跡ファイルをダウンロードしました: %(name)s")
        ),
        summary_params={"name": evidence.original_name},
        data={"evidence_id": evidence.pk, "sha256": evidence.sha256, "intact": copy.intact},
    )


@transaction.atomic
def evidence_personal_data_erase(*, evidence_ids: Collection[int], scrub: Scrubber, now: datetime) -> int:
    """Delete the stored originals of ``evidence_ids`` (forms, mails, call records) and scrub their
    names and notes; the rows keep their checksums. Returns how many files were deleted."""
    purged = 0
    for evidence in Evidence.objects.select_for_update().filter(pk__in=list(evidence_ids)).order_by("pk"):
        save_changed(
            evidence, {"original_name": scrub.text(evidence.original_name), "note": scrub.text(evidence.note)}
        )
        purged += evidence_purge(evidence=evidence, at=now)
    return purged


@transaction.atomic
def audit_events_personal_data_erase(
    *,
    events: models.QuerySet[AuditEvent],
    scrub: Scrubber,
    renames: Mapping[str, str],
    renamed_actor_ids: Collection[int],
) -> int:
    """Scrub the people's values from ``events``; action, time and actor stay. An anonymised account
    that acted (``renamed_actor_ids``) keeps its row as the actor, labelled with its new ID from
    ``renames`` (old ID → new). Returns how many events were scrubbed."""
    rows = list(events)
    for event in rows:
        if event.actor_id in renamed_actor_ids:
            event.actor_label = renames.get(event.actor_label, scrub.text(event.actor_label))
        else:
            event.actor_label = scrub.text(event.actor_label)
        event.summary_params = scrub.json(event.summary_params)
        event.data = scrub.json(event.data)
    AuditEvent.objects.bulk_update(rows, ["actor_label", "summary_params", "data"], batch_size=500)
    return len(rows)
