"""The directory pages: browse, export, import with a dry-run preview and an explicit confirmation."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from calsreg.directory.models import Supervisor
from calsreg.directory.services import directory_export_csv
from calsreg.records.models import AuditEvent
from tests.directory.factories import csv_bytes, record_counts, row, two_offices
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db


def _preview(client, content: bytes, name: str = "directory.csv"):
    return client.post(reverse("desk:directory_import"), {"file": SimpleUploadedFile(name, content)})


def _digest(response) -> str:
    return re.search(r'name="digest" value="([0-9a-f]{64})"', response.content.decode()).group(1)


def test_directory_lists_offices_with_their_supervisors(desk_client):
    supervisor = SupervisorFactory(name="山田 直樹", email="yamada.n@niigata.pref-niigata.example")
    SupervisorFactory(office=supervisor.office, name="退職 二郎", active=False)

    content = desk_client.get(reverse("desk:directory")).content.decode()

    assert supervisor.office.name in content
    assert "山田 直樹" in content
    assert "yamada.n@niigata.pref-niigata.example" in content
    assert '<tr class="inactive">' in content


def test_export_downloads_the_directory_csv(desk_client):
    SupervisorFactory()

    response = desk_client.get(reverse("desk:directory_export"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="directory-\d{8}\.csv"', response["Content-Disposition"])
    assert response.content == directory_export_csv()


def test_preview_reports_what_would_change_and_saves_nothing(desk_client):
    before = record_counts()

    response = _preview(desk_client, csv_bytes(two_offices()))

    assert response.status_code == 200
    content = response.content.decode()
    assert "確認のみ（登録していません）: 3行、エラーなし。" in content
    assert re.search(
        r"監督員</th><td class=\"num\">3</td><td class=\"num\">0</td><td class=\"num\">0</td>", content
    )
    assert "この内容で取り込む" in content
    assert record_counts() == before


def test_confirming_imports_exactly_the_previewed_file(desk_client, desk_user):
    preview = _preview(desk_client, csv_bytes(two_offices()))

    response = desk_client.post(reverse("desk:directory_import_confirm"), {"digest": _digest(preview)})

    assert response.status_code == 302
    assert response["Location"] == reverse("desk:directory")
    assert sorted(Supervisor.objects.values_list("code", flat=True)) == ["150301", "150302", "150501"]
    assert AuditEvent.objects.filter(action="directory.supervisor_created", actor=desk_user).count() == 3
    page = desk_client.get(response["Location"]).content.decode()
    assert "取り込みました: 3行。" in page


def test_the_previewed_file_is_imported_once_only(desk_client):
    preview = _preview(desk_client, csv_bytes(two_offices()))
    desk_client.post(reverse("desk:directory_import_confirm"), {"digest": _digest(preview)})
    counts = record_counts()

    response = desk_client.post(
        reverse("desk:directory_import_confirm"), {"digest": _digest(preview)}, follow=True
    )

    assert "確認した名簿ファイルが見つかりません" in response.content.decode()
    assert record_counts() == counts


def test_a_confirmation_naming_another_file_imports_nothing(desk_client):
    _preview(desk_client, csv_bytes(two_offices()))
    before = record_counts()

    response = desk_client.post(reverse("desk:directory_import_confirm"), {"digest": "0" * 64}, follow=True)

    assert "確認した名簿ファイルが見つかりません" in response.content.decode()
    assert record_counts() == before


def test_errors_are_listed_per_row_and_field_and_cannot_be_confirmed(desk_client):
    before = record_counts()
    rows = [row(), row(code="150302", email="not-an-address", title="係長")]

    response = _preview(desk_client, csv_bytes(rows))

    assert response.status_code == 422
    content = response.content.decode()
    assert "何も登録していません" in content
    errors = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td><td>', content)
    assert ("3", "メールアドレス") in errors
    assert ("3", "役職") in errors
    assert "この内容で取り込む" not in content
    assert record_counts() == before


def test_a_non_csv_file_is_refused_by_the_form(desk_client):
    response = _preview(desk_client, b"PK\x03\x04", name="directory.xlsx")

    assert response.status_code == 422
    assert ".csv のファイルを選んでください" in response.content.decode()
