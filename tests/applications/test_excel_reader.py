"""Reading a filled-in workbook into the raw payload, by defined names only."""

from datetime import date, datetime

from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, to_excel

from calsreg.applications.excel import workbook_build, workbook_read
from calsreg.applications.excel.reader import cell_text
from calsreg.applications.schema import FIELDS, Kind
from tests.applications.files.workbooks import (
    OFFICES,
    cell_by_name,
    complete_payload,
    complete_values,
    edited,
    filled,
)


def _blank():
    return workbook_build(office_names=OFFICES)


def test_every_field_filled_through_defined_names_is_read_back_exactly():
    content = filled(_blank(), complete_values())

    payload = workbook_read(content=content, filename="利用申込書.xlsx")

    assert payload == complete_payload()


def test_blank_workbook_reads_as_empty_strings_and_no_rows():
    payload = workbook_read(content=_blank(), filename="blank.xlsx")

    assert payload == {
        "form_version": "CALSREG-APP-2026.1",
        **{spec.key: "" for spec in FIELDS},
        "users": [],
        "supervisor_names": [],
        "terms_accepted": "",
    }


def test_full_width_and_spaces_are_read_as_typed():
    content = filled(
        _blank(),
        {
            "F_project_number": "Ｒ８－長岡－０４２",
            "F_contract_amount": "４８，４００，０００",
            "F_applicant_name": "　信濃　花子　",
            "U02_requested_id": "ｔａｎａｋａ",
            "U02_phone": "０９０－１２３４－５６７８",
        },
    )

    payload = workbook_read(content=content, filename="a.xlsx")

    assert payload["project_number"] == "Ｒ８－長岡－０４２"
    assert payload["contract_amount"] == "４８，４００，０００"
    assert payload["applicant_name"] == "　信濃　花子　"
    assert payload["users"] == [
        {
            "position": 2,
            "role": "",
            "name": "",
            "kana": "",
            "email": "",
            "phone": "０９０－１２３４－５６７８",
            "requested_id": "ｔａｎａｋａ",
        }
    ]


def test_only_rows_with_a_value_are_returned_with_their_slot():
    content = filled(
        _blank(),
        {"U04_name": "越後 四郎", "U07_kana": "　", "S02_name": "鈴木 次郎", "S03_title": " "},
    )

    payload = workbook_read(content=content, filename="a.xlsx")

    assert payload["users"] == [
        {
            "position": 4,
            "role": "",
            "name": "越後 四郎",
            "kana": "",
            "email": "",
            "phone": "",
            "requested_id": "",
        }
    ]
    assert payload["supervisor_names"] == [{"name": "鈴木 次郎", "title": ""}]


def test_numbers_dates_and_text_in_date_cells():
    content = filled(
        _blank(),
        {
            "F_contract_amount": 48400000.0,
            "F_period_start": datetime(2026, 12, 1, 0, 0),
            "F_period_end": "2027/3/19",
            "F_contract_date": datetime(2026, 11, 20, 9, 30),
            "F_contractor_phone": 252855511,
        },
    )

    payload = workbook_read(content=content, filename="a.xlsx")

    assert payload["contract_amount"] == "48400000"
    assert payload["period_start"] == "2026-12-01"
    assert payload["period_end"] == "2027/3/19"
    assert payload["contract_date"] == "2026-11-20 09:30:00"
    assert payload["contractor_phone"] == "252855511"


def test_date_cell_that_lost_its_date_format_is_read_from_the_serial():
    def plain_serial(workbook):
        cell = cell_by_name(workbook, "F_period_start")
        cell.value = int(to_excel(date(2026, 12, 1)))
        cell.number_format = "General"

    payload = workbook_read(content=edited(_blank(), plain_serial), filename="a.xlsx")

    assert payload["period_start"] == "2026-12-01"


def test_cells_are_found_by_defined_name_not_by_address():
    def move_project_name(workbook):
        # What Excel does to the name when the user cuts and pastes the cell elsewhere.
        workbook["申込書"]["J100"] = "移動した工事名"
        workbook.defined_names["F_project_name"].attr_text = "'申込書'!$J$100"

    content = edited(filled(_blank(), complete_values()), move_project_name)

    payload = workbook_read(content=content, filename="a.xlsx")

    assert payload == {**complete_payload(), "project_name": "移動した工事名"}


def test_cell_text_conventions():
    epoch = CALENDAR_WINDOWS_1900

    assert cell_text(None, kind=Kind.TEXT, epoch=epoch) == ""
    assert cell_text(48400000, kind=Kind.AMOUNT, epoch=epoch) == "48400000"
    assert cell_text(48400000.0, kind=Kind.AMOUNT, epoch=epoch) == "48400000"
    assert cell_text(1.5, kind=Kind.AMOUNT, epoch=epoch) == "1.5"
    assert cell_text(46357, kind=Kind.DATE, epoch=epoch) == "2026-12-01"
    assert cell_text(46357, kind=Kind.TEXT, epoch=epoch) == "46357"
    assert cell_text(-3, kind=Kind.DATE, epoch=epoch) == "-3"
    assert cell_text(date(2027, 3, 19), kind=Kind.DATE, epoch=epoch) == "2027-03-19"
    assert cell_text(True, kind=Kind.TEXT, epoch=epoch) == "TRUE"
    assert cell_text("同意する", kind=Kind.TEXT, epoch=epoch) == "同意する"
