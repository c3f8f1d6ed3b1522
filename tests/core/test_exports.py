"""The export helper: text that a spreadsheet would run as a formula is escaped (OWASP's rule), numbers
and dates keep their type, and workbook cells are text, never formulas or error cells."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from calsreg.core.exports import cell_set, csv_bytes, export_value, xlsx_append, xlsx_cell
from tests.core.export_helpers import CORPUS, csv_rows, formula_free_workbook


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("typed", "shown"), CORPUS)
def test_text_that_starts_like_a_formula_gets_an_apostrophe_and_other_text_does_not(typed, shown):
    assert export_value(typed) == shown


@pytest.mark.parametrize(
    "value", [-17_600, 0, 4_000, Decimal("-1.5"), date(2027, 1, 29), None, "株式会社越後建設", ""]
)
def test_numbers_dates_empty_cells_and_plain_text_are_written_as_they_are(value):
    assert export_value(value) is value


@pytest.mark.parametrize(("typed", "shown"), CORPUS)
def test_a_csv_row_reads_back_escaped_beside_a_negative_number(typed, shown):
    content = csv_bytes(header=["宛名", "残額（円）"], rows=[[typed, -17_600]])

    assert content.decode("utf-8-sig").endswith(",-17600\r\n")
    assert csv_rows(content) == [["宛名", "残額（円）"], [shown, "-17600"]]


@pytest.mark.parametrize(("typed", "shown"), CORPUS)
def test_a_workbook_row_holds_the_escaped_text_as_text_and_the_number_as_a_number(typed, shown):
    workbook = Workbook()
    xlsx_append(workbook.active, ["宛名", "残額（円）", "支払期限"])
    xlsx_append(workbook.active, [typed, -17_600, date(2027, 1, 29)])
    xlsx_cell(workbook.active, row=4, column=1, value=typed)

    sheet = formula_free_workbook(_saved(workbook)).active

    # XML turns a carriage return inside text into a line feed when the file is read.
    expected = shown.replace("\r", "\n")
    assert [(cell.value, cell.data_type) for cell in sheet[2]] == [
        (expected, "s"),
        (-17_600, "n"),
        (sheet["C2"].value, "d"),
    ]
    assert sheet["C2"].value.date() == date(2027, 1, 29)
    assert (sheet["A4"].value, sheet["A4"].data_type) == (expected, "s")


def test_a_form_cell_keeps_the_text_exactly_but_as_text():
    workbook = Workbook()

    cell_set(workbook.active["A1"], '=HYPERLINK("http://evil.example/")')
    cell_set(workbook.active["A2"], None)

    sheet = formula_free_workbook(_saved(workbook)).active
    assert (sheet["A1"].value, sheet["A1"].data_type) == ('=HYPERLINK("http://evil.example/")', "s")
    assert sheet["A2"].value is None


def test_a_character_a_workbook_cannot_hold_becomes_a_replacement_mark_instead_of_failing_the_file():
    workbook = Workbook()

    xlsx_append(workbook.active, ["越後\x01建設", "=\x0b1"])

    sheet = formula_free_workbook(_saved(workbook)).active
    assert [cell.value for cell in sheet[1]] == ["越後\ufffd建設", "'=\ufffd1"]
