"""Evidence download: the exact bytes, audited; a file that no longer verifies is flagged first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from calsreg.records.services import Actor, evidence_store
from tests.desk.helpers import make_application
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

ORIGINAL = b"PK\x03\x04 workbook bytes \x00\xff as received"


@pytest.fixture
def stored():
    application = make_application(office=OfficeFactory(), number=1)
    evidence = evidence_store(
        content=ORIGINAL,
        original_name="利用申込書_越後建設.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        kind=EvidenceKind.APPLICATION_WORKBOOK,
        subject=application,
        actor=Actor.applicant("hanako@echigo.example.jp"),
    )
    return application, evidence


def _tamper(evidence: Evidence) -> None:
    with open(evidence.file.path, "wb") as handle:
        handle.write(ORIGINAL.replace(b"workbook", b"WORKBOOK"))


def test_download_streams_the_exact_bytes_as_an_attachment_and_is_audited(desk_client, desk_user, stored):
    application, evidence = stored

    response = desk_client.get(reverse("desk:evidence", args=[evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ORIGINAL
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%88%A9%E7%94%A8" in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="evidence.downloaded")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        desk_user.pk,
        "application",
        application.pk,
    )
    assert event.data == {"evidence_id": evidence.pk, "sha256": evidence.sha256, "intact": True}


def test_a_tampered_file_is_flagged_and_not_served_without_acknowledgment(desk_client, stored):
    _application, evidence = stored
    _tamper(evidence)

    response = desk_client.get(reverse("desk:evidence", args=[evidence.pk]))

    assert response.status_code == 409
    content = response.content.decode()
    assert "受領時に記録したチェックサム（SHA-256）と一致しません" in content
    assert evidence.sha256 in content
    assert not AuditEvent.objects.filter(action="evidence.downloaded").exists()


def test_a_tampered_file_can_be_taken_for_investigation_and_that_is_audited(desk_client, stored):
    _application, evidence = stored
    _tamper(evidence)

    response = desk_client.get(reverse("desk:evidence", args=[evidence.pk]), {"acknowledge": "1"})

    assert b"".join(response.streaming_content) == ORIGINAL.replace(b"workbook", b"WORKBOOK")
    event = AuditEvent.objects.get(action="evidence.downloaded")
    assert event.data["intact"] is False
    assert "チェックサムが一致しない" in event.summary


def test_the_detail_page_marks_a_tampered_file(desk_client, stored):
    application, evidence = stored
    _tamper(evidence)

    content = desk_client.get(reverse("desk:application_detail", args=[application.pk])).content.decode()

    assert "不一致（改ざんの疑い）" in content


def test_a_missing_file_is_reported(desk_client, stored):
    _application, evidence = stored
    evidence.file.storage.delete(evidence.file.name)

    response = desk_client.get(reverse("desk:evidence", args=[evidence.pk]))

    assert response.status_code == 404
    assert "保存ファイルが見つかりません" in response.content.decode()


def test_unknown_evidence_is_404(desk_client):
    assert desk_client.get(reverse("desk:evidence", args=[424242])).status_code == 404
