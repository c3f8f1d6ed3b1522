"""Uploaded workbooks that are refused, each with the message that says why and what to do."""

import zipfile
from io import BytesIO

import pytest

from calsreg.applications.excel import workbook_build, workbook_read
from calsreg.core.errors import UploadRefused
from tests.applications.files.workbooks import (
    OFFICES,
    cell_by_name,
    complete_values,
    edited,
    filled,
    rezipped,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
AGAIN = "ポータルから最新の申込書をダウンロードし、記入し直して送ってください。"


def _complete():
    return filled(workbook_build(office_names=OFFICES), complete_values())


def _refusal(content, filename="申込書.xlsx"):
    with pytest.raises(UploadRefused) as caught:
        workbook_read(content=content, filename=filename)
    return caught.value.message


def _zip(entries):
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_empty_file():
    assert _refusal(b"") == (
        "「申込書.xlsx」は空のファイルです（0バイト）。記入した申込書（.xlsx）を選び直してください。"
    )


def test_file_over_the_upload_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024

    assert _refusal(b"PK\x03\x04" + b"\0" * 2044) == (
        "「申込書.xlsx」は大きすぎます（2KB。上限は1KBです）。画像などを貼り付けず、"
        "ダウンロードした申込書に記入して送ってください。"
    )


def test_pdf():
    assert _refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "申込書.pdf") == (
        "「申込書.pdf」はPDFファイルです。PDFや印刷したものは読み取れません。"
        "記入したExcelファイル（.xlsx）をそのまま送ってください。"
    )


def test_password_protected_workbook():
    encrypted = (
        OLE_MAGIC
        + b"\0" * 504
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
    )

    assert _refusal(encrypted) == (
        "「申込書.xlsx」にはパスワードが設定されている（暗号化されている）ため読み取れません。"
        "Excelの［ファイル］→［情報］→［ブックの保護］→［パスワードを使用して暗号化］で"
        "パスワードを消して保存し、送り直してください。"
    )


def test_old_xls_workbook():
    xls = OLE_MAGIC + b"\0" * 504 + "Workbook".encode("utf-16-le") + "SummaryInformation".encode("utf-16-le")

    assert _refusal(xls, "申込書.xls") == (
        "「申込書.xls」は古い形式（Excel 97-2003 ブック .xls）のため読み取れません。"
        "ポータルからダウンロードした申込書（.xlsx）に記入し、"
        "「Excel ブック（*.xlsx）」形式のまま保存して送ってください。"
    )


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        ("工事番号,工事名\nR8-0042,信濃川護岸設置工事\n".encode("cp932"), "申込書.csv"),
        (_zip({"word/document.xml": b"<w:document/>", "[Content_Types].xml": b"<Types/>"}), "申込書.docx"),
    ],
)
def test_not_an_xlsx(content, filename):
    assert _refusal(content, filename) == (
        f"「{filename}」はExcelブック（.xlsx）ではありません。ポータルからダウンロードした申込書に記入し、"
        "「Excel ブック（*.xlsx）」形式で保存して送ってください。"
    )


MACRO_MESSAGE = (
    "「申込書.xlsx」はマクロを含むブック（.xlsm）のため受け付けできません。"
    "Excelの［名前を付けて保存］で「Excel ブック（*.xlsx）」形式を選んで保存し直し、送ってください。"
)


def test_workbook_with_vba_project():
    assert (
        _refusal(rezipped(_complete(), extra={"xl/vbaProject.bin": OLE_MAGIC + b"\0" * 100})) == MACRO_MESSAGE
    )


def test_workbook_with_macro_enabled_content_type():
    content = _complete()
    with zipfile.ZipFile(BytesIO(content)) as archive:
        types = archive.read("[Content_Types].xml")
    macro_types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert macro_types != types

    assert _refusal(rezipped(content, replace={"[Content_Types].xml": macro_types})) == MACRO_MESSAGE


BOMB_MESSAGE = (
    "「申込書.xlsx」は展開すると異常に大きくなるため、安全のため読み取りを中止しました。"
    "ポータルからダウンロードした申込書に記入したファイルを送ってください。"
)


def test_zip_bomb_over_the_uncompressed_limit(settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    bomb = rezipped(_complete(), extra={"xl/media/padding.xml": b"<a/>" * (300 * 1024)})
    assert len(bomb) < 100 * 1024

    assert _refusal(bomb) == BOMB_MESSAGE


def test_zip_bomb_with_an_absurd_compression_ratio():
    # 8 MB of one repeated byte squeezes to a few KB: under the 50 MB total, but no real part does this.
    bomb = rezipped(_complete(), extra={"xl/sharedStrings2.xml": b"A" * (8 * 1024 * 1024)})

    assert _refusal(bomb) == BOMB_MESSAGE


def test_edited_form_version():
    def older(workbook):
        cell_by_name(workbook, "FORM_VERSION").value = "CALSREG-APP-2025.2"

    assert _refusal(edited(_complete(), older)) == (
        "「申込書.xlsx」は別の版の申込書です（この申込書: CALSREG-APP-2025.2、現在の様式: CALSREG-APP-2026.1）。"
        + AGAIN
    )


@pytest.mark.parametrize(
    "remove",
    [
        lambda workbook: workbook.defined_names.pop("FORM_VERSION"),
        lambda workbook: workbook.remove(workbook["_meta"]),
    ],
    ids=["name deleted", "sheet deleted"],
)
def test_missing_form_version_marker(remove):
    assert _refusal(edited(_complete(), remove)) == (
        "「申込書.xlsx」は本システムの利用申込書ではないか、様式を確認できません。" + AGAIN
    )


def test_another_workbook_entirely():
    from openpyxl import Workbook

    out = BytesIO()
    Workbook().save(out)

    assert _refusal(out.getvalue(), "見積書.xlsx") == (
        "「見積書.xlsx」は本システムの利用申込書ではないか、様式を確認できません。" + AGAIN
    )


def test_deleted_defined_names_are_named_by_label():
    def delete(workbook):
        for name in ("F_project_name", "F_contractor_phone", "U03_requested_id"):
            del workbook.defined_names[name]

    assert _refusal(edited(_complete(), delete)) == (
        "「申込書.xlsx」の申込書に次の欄が見つかりません: 「工事名」、「受注者情報の電話番号」、「利用者3の希望ID」。"
        "シートや行・列を削除すると読み取れなくなります。" + AGAIN
    )


def test_deleted_form_sheet_lists_the_first_labels_and_a_count():
    assert _refusal(edited(_complete(), lambda workbook: workbook.remove(workbook["申込書"]))) == (
        "「申込書.xlsx」の申込書に次の欄が見つかりません: 「発注事務所」、「工事番号」、「工事名」、「工事場所」、"
        "「工期（開始日）」ほか85欄。シートや行・列を削除すると読み取れなくなります。" + AGAIN
    )


def test_name_pointing_at_a_deleted_row():
    def broken(workbook):
        workbook.defined_names["F_project_number"].attr_text = "'申込書'!#REF!"

    assert _refusal(edited(_complete(), broken)) == (
        "「申込書.xlsx」の申込書に次の欄が見つかりません: 「工事番号」。"
        "シートや行・列を削除すると読み取れなくなります。" + AGAIN
    )


def test_formula_in_input_cells_names_the_fields():
    content = filled(
        _complete(), {"F_contract_amount": "=40000000+8400000", "U02_phone": "=F_applicant_phone"}
    )

    assert _refusal(content) == (
        "次の欄に数式が入っています: 「請負金額（円・税込）」、「利用者2の電話番号」。"
        "数式ではなく、値を直接入力して送ってください。"
    )


CORRUPT_MESSAGE = (
    "「申込書.xlsx」は壊れているか、途中までしか保存されていないため読み取れません。"
    "Excelで開けることを確かめてから保存し直し、送ってください。"
)


def test_truncated_file():
    content = _complete()

    assert _refusal(content[: len(content) // 2]) == CORRUPT_MESSAGE


def test_zip_that_openpyxl_cannot_parse():
    content = rezipped(_complete(), replace={"xl/workbook.xml": b"<workbook><sheets><sheet"})

    assert _refusal(content) == CORRUPT_MESSAGE


def test_xml_entity_expansion_is_refused_as_corrupted():
    content = _complete()
    with zipfile.ZipFile(BytesIO(content)) as archive:
        workbook_xml = archive.read("xl/workbook.xml")
    # defusedxml refuses entity declarations (the "billion laughs" attack) before expanding any.
    evil = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + workbook_xml

    assert _refusal(rezipped(content, replace={"xl/workbook.xml": evil})) == CORRUPT_MESSAGE
