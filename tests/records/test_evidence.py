import hashlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command

from calsreg.records.models import Evidence, EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store, evidence_verify
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def _store(content: bytes, name: str = "申込書.xlsx") -> Evidence:
    return evidence_store(
        content=content,
        original_name=name,
        content_type="application/octet-stream",
        kind=EvidenceKind.OTHER,
        subject=OfficeFactory(),
        actor=Actor.system(),
    )


def test_stored_original_keeps_its_bytes_and_checksum():
    evidence = _store(b"original bytes")

    assert evidence.sha256 == hashlib.sha256(b"original bytes").hexdigest()
    assert evidence.size_bytes == 14
    assert evidence.original_name == "申込書.xlsx"
    with evidence.file.open("rb") as handle:
        assert handle.read() == b"original bytes"
    assert evidence_verify(evidence=evidence).ok


def test_same_content_twice_is_never_overwritten():
    first = _store(b"same")
    second = _store(b"same")

    assert first.file.name != second.file.name
    assert evidence_verify(evidence=first).ok and evidence_verify(evidence=second).ok


# A fixed day before the file system's real time: the tampering write stamps the file (and its
# not-yet-swept marker, the same inode) with the real time, which must not look an hour old.
@time_machine.travel(datetime(2026, 1, 5, 1, tzinfo=UTC), tick=False)
def test_tampered_original_is_detected_by_the_command():
    good = _store(b"good")
    bad = _store(b"will be tampered")
    with open(bad.file.path, "wb") as handle:
        handle.write(b"tampered")

    assert evidence_verify(evidence=good).ok
    result = evidence_verify(evidence=bad)
    assert (result.ok, result.reason) == (False, "checksum_mismatch")
    with pytest.raises(CommandError, match="1 kept file problem"):
        call_command("verify_evidence")


def test_missing_original_is_reported():
    evidence = _store(b"gone")
    evidence.file.storage.delete(evidence.file.name)

    assert evidence_verify(evidence=evidence).reason == "missing"


def test_audit_record_names_actor_action_and_subject():
    office = OfficeFactory()

    event = audit_record(actor=Actor.system("batch"), action="test.done", subject=office, data={"a": 1})

    assert (event.actor_type, event.actor_label, event.action) == ("system", "batch", "test.done")
    assert (event.subject_type, event.subject_id, event.data) == ("ordereroffice", office.pk, {"a": 1})


def test_audit_summary_is_stored_untranslated_and_shown_in_the_viewer_language():
    from django.utils import translation

    office = OfficeFactory()
    with translation.override("en"):
        event = audit_record(
            actor=Actor.system(),
            action="application.submitted",
            subject=office,
            summary="利用申込を受け付けました（%(channel)s）。",
            summary_params={"channel": "API"},
        )

    event.refresh_from_db()
    assert event.summary == "利用申込を受け付けました（%(channel)s）。"
    with translation.override("ja"):
        assert event.summary_display == "利用申込を受け付けました（API）。"
    with translation.override("en"):
        assert "API" in event.summary_display and "受け付け" not in event.summary_display


def test_a_day_in_a_summary_is_shown_as_the_pages_show_days():
    office = OfficeFactory()
    event = audit_record(
        actor=Actor.system("test"),
        action="project.suspended",
        subject=office,
        summary="請求書 %(number)s が支払期限（%(due_on)s）を過ぎて未入金のため、利用を停止しました。",
        summary_params={"number": "2026-000001", "due_on": "2027-02-01"},
    )

    assert event.summary_display == (
        "請求書 2026-000001 が支払期限（2027年2月1日(月)）を過ぎて未入金のため、利用を停止しました。"
    )
