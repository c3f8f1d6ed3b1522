"""A submission that fails after its files were written leaves no file behind: the rows roll back,
and the files the submission stored are deleted with them (no orphaned personal data on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.applications.models import Application
from calsreg.applications.services import intake
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent, Evidence
from tests.desk.helpers import at, filled_workbook, mail_with
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class QueueDown(Exception):
    """The acknowledgment could not be queued: the last step of a submission, after the files."""


def _stored_files(settings) -> list[Path]:
    location = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return sorted(path for path in location.rglob("*") if path.is_file())


def _queue_down(**_kwargs):
    raise QueueDown


@time_machine.travel(at("2026-11-24"), tick=False)
def test_a_mail_whose_submission_fails_at_the_last_step_leaves_neither_rows_nor_files(
    desk_client, settings, monkeypatch
):
    # given: a valid mail with its workbook, and the acknowledgment queue failing
    office = OfficeFactory(name="長岡地域振興局 地域整備部")
    eml = mail_with([("申込書.xlsx", filled_workbook(office=office), XLSX)])
    monkeypatch.setattr(intake, "acknowledgment_enqueue", _queue_down)
    audit_before = AuditEvent.objects.count()

    # when: the desk registers it
    with pytest.raises(QueueDown):
        desk_client.post(reverse("desk:intake"), {"file": SimpleUploadedFile("申込.eml", eml)})

    # then: the workbook and the mail written before the failure are gone with the rows
    assert _stored_files(settings) == []
    assert (Application.objects.count(), Evidence.objects.count(), Delivery.objects.count()) == (0, 0, 0)
    assert AuditEvent.objects.count() == audit_before


@time_machine.travel(at("2026-11-24"), tick=False)
def test_a_mail_that_is_registered_keeps_both_of_its_files(
    desk_client, settings, django_capture_on_commit_callbacks
):
    # given: the same mail, nothing failing
    office = OfficeFactory(name="長岡地域振興局 地域整備部")
    eml = mail_with([("申込書.xlsx", filled_workbook(office=office), XLSX)])

    # when: the request's transaction commits (its commit hooks run)
    with django_capture_on_commit_callbacks(execute=True):
        response = desk_client.post(reverse("desk:intake"), {"file": SimpleUploadedFile("申込.eml", eml)})

    # then: the cleanup only acts on failure; the commit left the files under their names only
    assert response.status_code == 302
    stored = {Path(evidence.file.path) for evidence in Evidence.objects.all()}
    assert len(stored) == 2
    assert set(_stored_files(settings)) == stored
