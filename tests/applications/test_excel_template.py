"""The generated application workbook: sheets, defined names, drop-downs, validations, protection."""

from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from calsreg.applications.excel import workbook_build
from calsreg.applications.schema import FIELDS, FORM_VERSION, Kind
from tests.applications.files.workbooks import OFFICES, cell_by_name, complete_values


def _workbook():
    return load_workbook(BytesIO(workbook_build(office_names=OFFICES)))


def _validation_of(sheet, coordinate):
    matches = [dv for dv in sheet.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(matches) == 1, coordinate
    return matches[0]


def _list_values(workbook, name):
    ((sheet, reference),) = workbook.defined_names[name].destinations
    return [row[0].value for row in workbook[sheet][reference.replace("$", "")]]


def test_sheets_are_instructions_form_hidden_lists_and_very_hidden_marker():
    workbook = _workbook()

    assert workbook.sheetnames == ["記入要領", "申込書", "リスト", "_meta"]
    assert [sheet.sheet_state for sheet in workbook] == ["visible", "visible", "hidden", "veryHidden"]
    assert workbook.active.title == "記入要領"


def test_every_input_cell_has_a_workbook_level_name_on_the_form_sheet():
    workbook = _workbook()

    input_names = set(complete_values())
    assert len(input_names) == 23 + 10 * 6 + 3 * 2 + 1
    assert set(workbook.defined_names) == input_names | {
        "FORM_VERSION",
        "TERMS_VERSION",
        "L_offices",
        "L_user_roles",
        "L_supervisor_titles",
        "L_terms",
    }
    for name in input_names:
        ((sheet, reference),) = workbook.defined_names[name].destinations
        assert sheet == "申込書"
        assert ":" not in reference
    coordinates = {cell_by_name(workbook, name).coordinate for name in input_names}
    assert len(coordinates) == len(input_names)


def test_form_version_marker_and_terms_version(settings):
    settings.TERMS_VERSION = "2026-04"
    workbook = _workbook()

    assert cell_by_name(workbook, "FORM_VERSION").value == FORM_VERSION == "CALSREG-APP-2026.1"
    assert cell_by_name(workbook, "TERMS_VERSION").value == "2026-04"
    assert cell_by_name(workbook, "FORM_VERSION").parent.title == "_meta"


def test_drop_down_lists_hold_offices_roles_titles_and_terms():
    workbook = _workbook()

    assert _list_values(workbook, "L_offices") == OFFICES
    assert _list_values(workbook, "L_user_roles") == [
        "現場代理人",
        "監理技術者・主任技術者",
        "担当技術者",
        "その他",
    ]
    assert _list_values(workbook, "L_supervisor_titles") == ["総括監督員", "主任監督員", "監督員"]
    assert _list_values(workbook, "L_terms") == ["同意する"]
    assert workbook["リスト"].protection.sheet is True


def test_office_name_starting_with_equals_sign_stays_text():
    workbook = load_workbook(BytesIO(workbook_build(office_names=["=1+1 事務所"])))

    assert _list_values(workbook, "L_offices") == ["=1+1 事務所"]


def test_empty_office_list_is_refused():
    with pytest.raises(ValueError, match="office_names must not be empty"):
        workbook_build(office_names=[])


@pytest.mark.parametrize(
    ("name", "kind", "operator", "formula1", "formula2"),
    [
        ("F_office", "list", "between", "L_offices", None),
        ("F_period_start", "date", "between", "36526", "73050"),
        ("F_period_end", "date", "between", "36526", "73050"),
        ("F_contract_date", "date", "between", "36526", "73050"),
        ("F_contract_amount", "whole", "greaterThan", "0", None),
        ("F_project_name", "textLength", "lessThanOrEqual", "200", None),
        ("U01_requested_id", "textLength", "between", "3", "10"),
        ("U10_requested_id", "textLength", "between", "3", "10"),
        ("U05_role", "list", "between", "L_user_roles", None),
        ("S03_title", "list", "between", "L_supervisor_titles", None),
        ("F_terms_accepted", "list", "between", "L_terms", None),
    ],
)
def test_input_cells_carry_excel_validation(name, kind, operator, formula1, formula2):
    workbook = _workbook()
    cell = cell_by_name(workbook, name)

    validation = _validation_of(cell.parent, cell.coordinate)

    assert (validation.type, validation.formula1, validation.formula2) == (kind, formula1, formula2)
    assert (validation.operator or "between") == operator
    assert validation.showErrorMessage is True
    assert validation.showInputMessage is True
    assert validation.errorStyle == "stop"


def test_validation_messages_and_ime_modes():
    workbook = _workbook()
    sheet = workbook["申込書"]

    requested_id = _validation_of(sheet, cell_by_name(workbook, "U01_requested_id").coordinate)
    kana = _validation_of(sheet, cell_by_name(workbook, "F_contractor_kana").coordinate)

    assert requested_id.promptTitle == "希望ID"
    assert (
        requested_id.prompt
        == "半角英数字3〜10文字。登録時に「.」と3文字が付きます（例: tanaka → tanaka.kqz）。"
    )
    assert requested_id.error == "半角英数字3〜10文字で入力してください。"
    assert requested_id.imeMode == "halfAlpha"
    assert kana.imeMode == "fullKatakana"


def test_number_formats_shading_and_unlocked_inputs():
    workbook = _workbook()
    expected_format = {Kind.DATE: "yyyy/mm/dd", Kind.AMOUNT: "#,##0"}

    for spec in FIELDS:
        cell = cell_by_name(workbook, spec.defined_name)
        assert cell.number_format == expected_format.get(spec.kind, "@"), spec.key
        assert cell.fill.fgColor.rgb == "00FFF2CC", spec.key
        assert cell.protection.locked is False, spec.key
    for name in ("U01_phone", "S01_name", "F_terms_accepted"):
        assert cell_by_name(workbook, name).protection.locked is False


def test_labels_are_locked_and_sheets_protected_without_password():
    workbook = _workbook()
    sheet = workbook["申込書"]
    amount = cell_by_name(workbook, "F_contract_amount")

    label = sheet.cell(row=amount.row, column=2)
    assert label.value == "請負金額（円・税込）"
    assert label.protection.locked is True
    for title in ("記入要領", "申込書", "リスト", "_meta"):
        assert workbook[title].protection.sheet is True
        assert workbook[title].protection.password is None


def test_form_sheet_prints_on_a4_fit_to_width():
    sheet = _workbook()["申込書"]

    assert sheet.print_area == "'申込書'!$A$1:$G$60"
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.orientation == "portrait"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert [brk.id for brk in sheet.row_breaks.brk] == [40]
    assert sheet["A1"].value == "新潟県CALSシステム 利用申込書"
    assert sheet["A1"].font.name == "ＭＳ Ｐゴシック"


def test_instructions_state_the_id_rule_the_confirmation_and_where_to_send(settings):
    settings.HELP_DESK_EMAIL = "helpdesk@calsreg.example.jp"
    sheet = _workbook()["記入要領"]

    text = "\n".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)

    assert "希望IDは半角英数字（a〜z、0〜9）3〜10文字で入力してください。" in text
    assert "希望IDの後ろに「.」（ドット）と3文字を付けます（例: tanaka → tanaka.kqz）" in text
    assert "あらかじめ把握している発注者の監督員（主任監督員・監督員）に、メールと電話で" in text
    assert "メールに添付して helpdesk@calsreg.example.jp へお送りください。" in text
    assert "様式 CALSREG-APP-2026.1" in text


def test_workbook_is_japanese_whatever_language_is_active():
    with translation.override("en"):
        workbook = load_workbook(BytesIO(workbook_build(office_names=OFFICES)))

    amount = cell_by_name(workbook, "F_contract_amount")
    assert workbook["申込書"].cell(row=amount.row, column=2).value == "請負金額（円・税込）"
