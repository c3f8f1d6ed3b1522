"""The Excel change form (変更申込書): generated per project with its registration beside empty 変更後
cells, read back into the validator's payload (only what was filled becomes an item), the upload
guards of the application workbook, and a LibreOffice re-save."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from openpyxl import load_workbook

from calsreg.accounts.models import Project, User
from calsreg.applications.excel import workbook_build
from calsreg.changes.excel import change_workbook_build, change_workbook_read
from calsreg.changes.excel.cells import CHANGE_FORM_VERSION
from calsreg.changes.models import ChangeChannel
from calsreg.changes.services import ChangeForm, change_request_submit
from calsreg.core.errors import UploadRefused
from calsreg.records.services import Actor
from tests.accounts.helpers import started
from tests.applications.files.workbooks import cell_by_name, edited, filled, rezipped
from tests.factories import SupervisorFactory

pytestmark = pytest.mark.django_db

FILENAME = "変更申込書.xlsx"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
AGAIN = "マイページから変更申込書をダウンロードし直し、記入して送ってください。"


@pytest.fixture(autouse=True)
def _during_the_works(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(dt.datetime(2026, 12, 10, 1, tzinfo=dt.UTC), tick=False)


def project_with_people() -> tuple[Project, User, User, Any, Any]:
    """A project in use (tanaka: site agent, suzuki2: engineer), its supervisor and a colleague of
    the supervisor's office who is not on the project yet."""
    project, accounts = started()
    tanaka = next(u for u in accounts if u.username.startswith("tanaka."))
    suzuki = next(u for u in accounts if u.username.startswith("suzuki2."))
    on_project = project.application.supervisors.get()
    colleague = SupervisorFactory(office=project.office, name="新井 五郎", title="supervisor")
    return project, tanaka, suzuki, on_project, colleague


def _refusal(content: bytes) -> str:
    with pytest.raises(UploadRefused) as caught:
        change_workbook_read(content=content, filename=FILENAME)
    return caught.value.message


def test_the_workbook_shows_the_registration_beside_empty_after_cells():
    project, tanaka, suzuki, on_project, colleague = project_with_people()

    content = change_workbook_build(project=project, requester=tanaka)

    workbook = load_workbook(BytesIO(content))
    assert workbook.sheetnames == ["変更申込書", "利用者", "監督員", "リスト", "_meta"]
    assert [sheet.sheet_state for sheet in workbook] == [
        "visible",
        "visible",
        "visible",
        "hidden",
        "veryHidden",
    ]
    assert all(workbook[name].protection.sheet for name in workbook.sheetnames)
    after = cell_by_name(workbook, "C_period_end")
    assert (after.value, after.number_format, after.protection.locked) == (None, "yyyy/mm/dd", False)
    row = after.row
    main = workbook["変更申込書"]
    assert (main[f"B{row}"].value, main[f"C{row}"].value) == ("工期（終了日）", dt.datetime(2027, 3, 19))
    assert main[f"C{cell_by_name(workbook, 'C_project_name').row}"].value == project.name
    amount = cell_by_name(workbook, "C_contract_amount")
    assert main[f"C{amount.row}"].value == 48_400_000 and main[f"C{amount.row}"].number_format == "#,##0"
    # The requester is the holder who downloaded it.
    assert [cell_by_name(workbook, f"R_{key}").value for key in ("requester_name", "requester_phone")] == [
        "田中 一郎",
        "090-1234-5678",
    ]
    # Users: ID and registered values, with a 変更後 cell per field.
    users = workbook["利用者"]
    ids = [cell_by_name(workbook, f"A{slot:02d}_id").value for slot in (1, 2)]
    assert ids == sorted([tanaka.username, suzuki.username])
    phone = cell_by_name(workbook, f"A{ids.index(suzuki.username) + 1:02d}_phone")
    assert users[f"D{phone.row}"].value == "080-2345-6789" and phone.value is None
    # Supervisors: the one on the project to remove, the office's other one to add.
    assert cell_by_name(workbook, "S01_id").value == str(on_project.pk)
    assert cell_by_name(workbook, "D01_id").value == str(colleague.pk)
    assert workbook["監督員"][f"B{cell_by_name(workbook, 'D01_id').row}"].value == "新井 五郎"
    meta = {name: cell_by_name(workbook, name).value for name in ("CHANGE_FORM_VERSION", "CHANGE_PROJECT_ID")}
    assert meta == {"CHANGE_FORM_VERSION": CHANGE_FORM_VERSION, "CHANGE_PROJECT_ID": str(project.pk)}
    # Drop-downs and input rules.
    rules = {str(v.sqref): v for sheet in workbook for v in sheet.data_validations.dataValidation}
    assert rules[after.coordinate].type == "date"
    assert rules[cell_by_name(workbook, "A01_remove").coordinate].formula1 == "L_remove"
    assert rules[cell_by_name(workbook, "N01_role").coordinate].formula1 == "L_user_roles"
    assert rules[cell_by_name(workbook, "N01_replaces").coordinate].formula1 == "L_user_ids"
    assert rules[cell_by_name(workbook, "C_personal_disclosure").coordinate].formula1 == "L_persons"


def test_an_untouched_workbook_reads_as_no_items():
    project, tanaka, *_ = project_with_people()

    read = change_workbook_read(
        content=change_workbook_build(project=project, requester=tanaka), filename=FILENAME
    )

    assert (read.project_id, read.project_number, read.origins) == (project.pk, project.project_number, [])
    assert read.raw == {
        "requester_name": "田中 一郎",
        "requester_phone": "090-1234-5678",
        "requester_email": "tanaka@echigo-kensetsu.example.co.jp",
        "reason": "",
        "items": [],
    }


def filled_change(project, tanaka, suzuki, on_project, colleague) -> bytes:
    slot = {u: i for i, u in enumerate(sorted([tanaka.username, suzuki.username]), start=1)}
    return filled(
        change_workbook_build(project=project, requester=tanaka),
        {
            "R_reason": "工期延長と担当者の交代",
            "C_period_end": dt.date(2027, 5, 31),
            "C_contract_amount": 52_800_000,
            "C_billing_department": "経理部",
            "C_end_of_use": None,
            "C_personal_disclosure": f"{suzuki.username} 鈴木 次郎",
            f"A{slot[suzuki.username]:02d}_phone": "08099990000",
            f"A{slot[suzuki.username]:02d}_remove": "削除",
            "N01_replaces": suzuki.username,
            "N01_role": "担当技術者",
            "N01_name": "佐藤 三郎",
            "N01_kana": "サトウ サブロウ",
            "N01_email": "sato@echigo-kensetsu.example.co.jp",
            "N01_phone": "090-3333-4444",
            "N01_requested_id": "sato",
            "S01_remove": "削除",
            "D01_add": "追加",
        },
    )


def test_only_filled_cells_become_items_in_the_validators_shape():
    project, tanaka, suzuki, on_project, colleague = project_with_people()

    read = change_workbook_read(
        content=filled_change(project, tanaka, suzuki, on_project, colleague), filename=FILENAME
    )

    assert read.raw["reason"] == "工期延長と担当者の交代"
    assert read.raw["items"] == [
        {"field": "period_end", "value": "2027-05-31"},
        {"field": "contract_amount", "value": "52800000"},
        {"field": "billing_department", "value": "経理部"},
        {"field": "personal.disclosure", "target": suzuki.username},
        {"field": "user.phone", "target": suzuki.username, "value": "08099990000"},
        {"field": "user.remove", "target": suzuki.username},
        {
            "field": "user.replace",
            "target": suzuki.username,
            "value": {
                "role": "担当技術者",
                "name": "佐藤 三郎",
                "kana": "サトウ サブロウ",
                "email": "sato@echigo-kensetsu.example.co.jp",
                "phone": "090-3333-4444",
                "requested_id": "sato",
            },
        },
        {"field": "supervisor.remove", "target": str(on_project.pk)},
        {"field": "supervisor.add", "value": str(colleague.pk)},
    ]
    assert read.origins[0] == "「工期（終了日）」の変更後"
    assert read.origins[-1] == "監督員シート「名簿の監督員」1行目"


def test_a_read_workbook_is_filed_with_the_file_kept_as_evidence():
    project, tanaka, _suzuki, _on_project, colleague = project_with_people()
    content = filled(
        change_workbook_build(project=project, requester=tanaka),
        {"C_period_end": dt.date(2027, 5, 31), "D01_add": "追加"},
    )
    read = change_workbook_read(content=content, filename=FILENAME)

    change = change_request_submit(
        project=project,
        raw=read.raw,
        channel=ChangeChannel.WORKBOOK,
        actor=Actor.applicant("tanaka@echigo-kensetsu.example.co.jp"),
        form=ChangeForm(content=content, filename=FILENAME, content_type="application/octet-stream"),
    )

    assert [(i.field, i.before, i.after) for i in change.items.order_by("position")] == [
        ("period_end", "2027-03-19", "2027-05-31"),
        ("supervisor.add", None, colleague.pk),
    ]
    assert change.form_evidence.file.read() == content
    assert change.form_evidence.original_name == FILENAME


def test_not_an_xlsx_a_macro_book_an_encrypted_book_and_a_zip_bomb_are_refused(settings):
    project, tanaka, *_ = project_with_people()
    content = change_workbook_build(project=project, requester=tanaka)

    assert "PDFファイルです" in _refusal(b"%PDF-1.7\n")
    assert "マクロを含むブック" in _refusal(rezipped(content, extra={"xl/vbaProject.bin": b"\0" * 64}))
    assert "パスワードが設定されている" in _refusal(OLE_MAGIC + "EncryptedPackage".encode("utf-16-le"))
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 1024
    assert "異常に大きく" in _refusal(content)


def test_another_version_and_the_application_form_are_refused_with_what_to_do():
    project, tanaka, *_ = project_with_people()
    content = change_workbook_build(project=project, requester=tanaka)

    def old_version(workbook):
        cell_by_name(workbook, "CHANGE_FORM_VERSION").value = "CALSREG-CHG-2025.1"

    assert _refusal(edited(content, old_version)) == (
        "「変更申込書.xlsx」は別の版の変更申込書です（この申込書: CALSREG-CHG-2025.1、現在の様式: "
        f"{CHANGE_FORM_VERSION}）。{AGAIN}"
    )
    assert _refusal(workbook_build(office_names=["新潟地域振興局 地域整備部"])) == (
        "「変更申込書.xlsx」は利用申込書です。登録内容の変更には、マイページからダウンロードした変更申込書を使ってください。"
    )


def test_a_formula_or_a_deleted_cell_is_refused_naming_the_cell():
    project, tanaka, *_ = project_with_people()
    content = change_workbook_build(project=project, requester=tanaka)

    assert _refusal(filled(content, {"C_period_end": "=TODAY()+90"})) == (
        "次の欄に数式が入っています: 「「工期（終了日）」の変更後」。数式ではなく、値を直接入力して送ってください。"
    )
    missing = _refusal(edited(content, lambda workbook: workbook.defined_names.pop("C_project_name")))
    assert missing == (
        "「変更申込書.xlsx」の変更申込書に次の欄が見つかりません: 「「工事名」の変更後」。"
        f"シートや行・列を削除すると読み取れなくなります。{AGAIN}"
    )


def _soffice() -> str:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: install Debian's libreoffice-calc")
        pytest.skip("LibreOffice (soffice / libreoffice) is not installed on this machine")
    return binary


@pytest.mark.slow
def test_a_libreoffice_re_save_reads_back_the_same_request(tmp_path: Path):
    project, tanaka, suzuki, on_project, colleague = project_with_people()
    content = filled_change(project, tanaka, suzuki, on_project, colleague)
    source = tmp_path / "in" / FILENAME
    source.parent.mkdir()
    source.write_bytes(content)
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    resaved = (tmp_path / "out" / FILENAME).read_bytes()

    assert resaved != content
    assert zipfile.is_zipfile(BytesIO(resaved))
    again = change_workbook_read(content=resaved, filename=FILENAME)
    original = change_workbook_read(content=content, filename=FILENAME)
    assert (again.project_id, again.raw, again.origins) == (
        original.project_id,
        original.raw,
        original.origins,
    )
