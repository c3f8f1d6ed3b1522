"""Operator intake of a workbook or a received mail: same validation, evidence kept, nothing on refusal."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.applications.models import Application, Channel
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence, EvidenceKind
from tests.desk.helpers import filled_workbook, mail_with
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, name: str, content: bytes):
    return client.post(reverse("desk:intake"), {"file": SimpleUploadedFile(name, content)})


def _nothing_stored() -> bool:
    return not (
        Application.objects.exists()
        or Evidence.objects.exists()
        or Delivery.objects.exists()
        or AuditEvent.objects.filter(action="application.submitted").exists()
    )


@pytest.fixture
def office():
    return OfficeFactory(name="長岡地域振興局 地域整備部")


def test_a_workbook_is_registered_and_kept_as_evidence(desk_client, desk_user, office):
    workbook = filled_workbook(office=office)

    response = _upload(desk_client, "申込書.xlsx", workbook)

    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:application_detail", args=[application.pk])
    assert (application.channel, application.office, application.project_name) == (
        Channel.DESK_WORKBOOK,
        office,
        "信濃川護岸設置工事",
    )
    assert application.users.count() == 10
    assert application.stated_supervisors[0] == {"name": "佐藤 一郎", "title": "chief_supervisor"}
    [evidence] = Evidence.objects.all()
    assert (evidence.kind, evidence.original_name, evidence.content_type) == (
        EvidenceKind.APPLICATION_WORKBOOK,
        "申込書.xlsx",
        XLSX,
    )
    assert evidence.file.read() == workbook
    submitted = AuditEvent.objects.get(action="application.submitted")
    assert (submitted.actor_id, submitted.actor_type) == (desk_user.pk, "staff")
    followed = desk_client.get(response["Location"])
    assert f"受付番号 {application.receipt_number} で受け付けました" in followed.content.decode()


def test_a_received_mail_is_registered_with_its_workbook_and_the_mail_kept(desk_client, office):
    workbook = filled_workbook(office=office)
    mail = mail_with([("利用申込書.xlsx", workbook, XLSX)])

    response = _upload(desk_client, "受信メール.eml", mail)

    application = Application.objects.get()
    assert response.status_code == 302
    assert application.channel == Channel.DESK_MAIL
    stored = {item.kind: item for item in Evidence.objects.all()}
    assert set(stored) == {EvidenceKind.APPLICATION_WORKBOOK, EvidenceKind.RECEIVED_MAIL}
    assert stored[EvidenceKind.APPLICATION_WORKBOOK].file.read() == workbook
    assert stored[EvidenceKind.APPLICATION_WORKBOOK].original_name == "利用申込書.xlsx"
    assert stored[EvidenceKind.RECEIVED_MAIL].file.read() == mail
    assert stored[EvidenceKind.RECEIVED_MAIL].content_type == "message/rfc822"


def test_invalid_content_is_listed_per_field_and_nothing_is_stored(desk_client, office):
    workbook = filled_workbook(office=office, F_project_name=None, F_applicant_email="tanaka＠example")

    response = _upload(desk_client, "申込書.xlsx", workbook)

    assert response.status_code == 422
    content = response.content.decode()
    assert "何も登録していません" in content
    assert '<th scope="row">工事名</th><td>「工事名」を入力してください。</td>' in content
    assert "メールアドレス" in content
    assert _nothing_stored()


def test_a_file_that_is_not_a_workbook_is_refused(desk_client, office):
    response = _upload(desk_client, "申込書.xlsx", b"this is not a zip")

    assert response.status_code == 422
    assert "「申込書.xlsx」を読み取れませんでした。何も登録していません。" in response.content.decode()
    assert _nothing_stored()


def test_a_mail_without_a_workbook_is_refused_naming_what_was_attached(desk_client, office):
    mail = mail_with([("scan.pdf", b"%PDF-1.4", "application/pdf")])

    response = _upload(desk_client, "mail.eml", mail)

    assert response.status_code == 422
    assert "添付ファイル: scan.pdf" in response.content.decode()
    assert _nothing_stored()


def test_other_file_types_are_refused_by_the_form(desk_client, office):
    response = _upload(desk_client, "申込書.pdf", b"%PDF-1.4")

    assert response.status_code == 422
    assert ".xlsx・.eml のファイルを選んでください" in response.content.decode()
    assert _nothing_stored()


def test_too_large_a_file_is_refused_before_reading(desk_client, office, settings):
    settings.UPLOAD_MAX_BYTES = 1000

    response = _upload(desk_client, "申込書.xlsx", filled_workbook(office=office))

    assert response.status_code == 422
    assert "ファイルが大きすぎます" in response.content.decode()
    assert _nothing_stored()
