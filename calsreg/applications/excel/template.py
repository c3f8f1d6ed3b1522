"""The downloadable application workbook, generated from the schema.

Every input cell carries a workbook-level defined name (see ``cells.py``); the reader finds the cells
by those names only, so the layout here can change freely as long as FORM_VERSION is bumped.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from calsreg.applications.excel import styles
from calsreg.applications.excel.cells import (
    FORM_VERSION_NAME,
    TERMS_ACCEPTED_TEXT,
    TERMS_VERSION_NAME,
    InputCell,
    field_cells,
    supervisor_cells,
    terms_cell,
    user_cells,
)
from calsreg.applications.excel.instructions import INSTRUCTIONS_SHEET, instructions_fill
from calsreg.applications.excel.validations import (
    LIST_NAMES,
    TERMS_LIST_NAME,
    hint_text,
    terms_validation,
    validation_for,
)
from calsreg.applications.models import UserRole
from calsreg.applications.schema import (
    FORM_VERSION,
    SECTION_LABELS,
    SUPERVISOR_NAME_FIELDS,
    USER_FIELDS,
    WORKBOOK_SUPERVISOR_SLOTS,
    WORKBOOK_USER_SLOTS,
    FieldSpec,
    Kind,
    Section,
)
from calsreg.core.exports import cell_set
from calsreg.directory.models import SupervisorTitle

INPUT_SHEET = "申込書"
LIST_SHEET = "リスト"
META_SHEET = "_meta"

# A: required mark / row number, B: label, C–G: answers (or the user table's columns).
COLUMN_WIDTHS = {"A": 5, "B": 24, "C": 16, "D": 18, "E": 31, "F": 15, "G": 13}
LAST_COLUMN = 7
FIELD_INPUT = (3, 5)  # a field's answer spans C:E
FIELD_HINT = (6, 7)  # and its help text F:G
INPUT_ROW_HEIGHT = 24


def workbook_build(*, office_names: list[str]) -> bytes:
    """The application workbook as .xlsx bytes, with ``office_names`` as the office drop-down.

    Raises ValueError when ``office_names`` is empty (a drop-down needs at least one entry).
    """
    if not office_names:
        raise ValueError("office_names must not be empty: the form needs at least one orderer office")
    # The workbook is Japanese-only, whatever language the person downloading it browses in.
    with translation.override("ja"):
        workbook = _workbook(office_names=office_names)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _workbook(*, office_names: list[str]) -> Workbook:
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    instructions_fill(sheet=instructions)
    _InputSheet(workbook, workbook.create_sheet(INPUT_SHEET)).fill()
    _lists_fill(workbook, office_names=office_names)
    _meta_fill(workbook)
    workbook.properties.title = "新潟県CALSシステム 利用申込書"
    workbook.properties.creator = "新潟県CALSシステム ヘルプデスク"
    workbook.active = 0
    return workbook


def _define(workbook: Workbook, name: str, sheet: Worksheet, reference: str) -> None:
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


def _absolute(cell: Cell) -> str:
    return f"${cell.column_letter}${cell.row}"


def _text_cell(sheet: Worksheet, row: int, column: int, value: str) -> Cell:
    """A cell holding ``value`` as text even if it starts with "=" (office names come from admins)."""
    return cell_set(sheet.cell(row=row, column=column), value)


def _lists_fill(workbook: Workbook, *, office_names: list[str]) -> None:
    """The drop-down lists live on a hidden sheet so that names with commas or quotes work."""
    sheet = workbook.create_sheet(LIST_SHEET)
    lists = {
        LIST_NAMES[Kind.OFFICE]: office_names,
        LIST_NAMES[Kind.USER_ROLE]: [str(label) for label in UserRole.labels],
        LIST_NAMES[Kind.SUPERVISOR_TITLE]: [str(label) for label in SupervisorTitle.labels],
        TERMS_LIST_NAME: [TERMS_ACCEPTED_TEXT],
    }
    for column, (name, values) in enumerate(lists.items(), start=1):
        for row, value in enumerate(values, start=1):
            _text_cell(sheet, row, column, value)
        letter = get_column_letter(column)
        _define(workbook, name, sheet, f"${letter}$1:${letter}${len(values)}")
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


def _meta_fill(workbook: Workbook) -> None:
    """The form-version marker: very hidden, so only a program (or the VBA editor) can show it."""
    sheet = workbook.create_sheet(META_SHEET)
    for row, (name, value) in enumerate(
        ((FORM_VERSION_NAME, FORM_VERSION), (TERMS_VERSION_NAME, settings.TERMS_VERSION)), start=1
    ):
        sheet.cell(row=row, column=1, value=name)
        _text_cell(sheet, row, 2, value)
        _define(workbook, name, sheet, f"$B${row}")
    sheet.sheet_state = "veryHidden"
    sheet.protection.sheet = True


class _InputSheet:
    """Lays out the 「申込書」 sheet top to bottom; ``row`` is the next free row."""

    def __init__(self, workbook: Workbook, sheet: Worksheet) -> None:
        self.workbook = workbook
        self.sheet = sheet
        self.row = 1
        self.validations: dict[str, DataValidation] = {}

    def fill(self) -> None:
        for letter, width in COLUMN_WIDTHS.items():
            self.sheet.column_dimensions[letter].width = width
        self.sheet.sheet_view.showGridLines = False
        self._title()
        for number, section in enumerate(Section, start=1):
            if section == Section.SUPERVISORS:
                # Page 1: the project, the companies and the users; page 2: the rest.
                self.sheet.row_breaks.append(Break(id=self.row - 1))
            self._banner(f"{number}．{SECTION_LABELS[section]}")
            self._section(section)
        self._footer()
        for validation in self.validations.values():
            self.sheet.add_data_validation(validation)
        self._print_setup()
        # No password: protection only guards the labels against stray edits.
        self.sheet.protection.sheet = True

    def _section(self, section: Section) -> None:
        if section == Section.USERS:
            self._note(
                "システムを利用する方を1行に1人ずつ記入してください。現場代理人を必ず1人含めてください。"
                "希望IDは半角英数字3〜10文字です。登録時にヘルプデスクが「.」と3文字を付けます"
                "（例: tanaka → tanaka.kqz）。"
            )
            self._table(USER_FIELDS, [user_cells(slot) for slot in range(1, WORKBOOK_USER_SLOTS + 1)])
        elif section == Section.SUPERVISORS:
            self._note(
                "この工事の発注者の監督員のお名前を記入してください（連絡先は不要です）。ヘルプデスクは、"
                "あらかじめ把握している監督員にメールと電話で申込内容を確認します。"
            )
            self._table(
                SUPERVISOR_NAME_FIELDS,
                [supervisor_cells(slot) for slot in range(1, WORKBOOK_SUPERVISOR_SLOTS + 1)],
            )
        elif section == Section.TERMS:
            self._note(
                f"ポータルサイト（{settings.SITE_URL}）掲載の利用規約（{settings.TERMS_VERSION}版）を"
                "お読みのうえ、同意いただける場合は「同意する」を選んでください。"
            )
            self._terms_row()
        else:
            for cell in field_cells():
                if cell.spec.section == section:
                    self._field_row(cell)

    def _title(self) -> None:
        self._merged(1, LAST_COLUMN, "新潟県CALSシステム 利用申込書", styles.TITLE_FONT, styles.CENTER)
        self.sheet.row_dimensions[1].height = 32
        self.row = 2
        self._merged(
            1, 4, "黄色の欄に記入してください。「必須」の欄は必ず記入してください。", styles.NOTE_FONT
        )
        version = f"様式 {FORM_VERSION}／利用規約 {settings.TERMS_VERSION}版"
        self._merged(5, LAST_COLUMN, version, styles.HINT_FONT, styles.RIGHT)
        self.row = 4

    def _merged(
        self, first: int, last: int, value: str, font: Font, alignment: Alignment = styles.LEFT
    ) -> Cell:
        if last > first:
            self.sheet.merge_cells(start_row=self.row, start_column=first, end_row=self.row, end_column=last)
        cell = self.sheet.cell(row=self.row, column=first, value=value)
        cell.font, cell.alignment = font, alignment
        return cell

    def _banner(self, text: str) -> None:
        self.row += 1 if self.row > 4 else 0
        self._merged(1, LAST_COLUMN, text, styles.SECTION_FONT)
        for column in range(1, LAST_COLUMN + 1):
            self.sheet.cell(row=self.row, column=column).fill = styles.SECTION_FILL
        self.sheet.row_dimensions[self.row].height = 20
        self.row += 1

    def _note(self, text: str) -> None:
        self._merged(1, LAST_COLUMN, text, styles.NOTE_FONT, styles.TOP_LEFT)
        self.sheet.row_dimensions[self.row].height = 26
        self.row += 1

    def _field_row(self, cell: InputCell) -> None:
        if cell.spec.required:
            mark = self.sheet.cell(row=self.row, column=1, value="必須")
            mark.font, mark.alignment = styles.REQUIRED_FONT, styles.CENTER
        self._label(2, str(cell.spec.label))
        self._input(cell, FIELD_INPUT[0], FIELD_INPUT[1], group=cell.defined_name, title=cell.label)
        hint = self._merged(FIELD_HINT[0], FIELD_HINT[1], hint_text(cell.spec), styles.HINT_FONT)
        hint.alignment = styles.LEFT
        self.sheet.row_dimensions[self.row].height = INPUT_ROW_HEIGHT
        self.row += 1

    def _label(self, column: int, text: str, alignment: Alignment = styles.LEFT) -> None:
        label = self.sheet.cell(row=self.row, column=column, value=text)
        label.font, label.fill, label.border, label.alignment = (
            styles.LABEL_FONT,
            styles.LABEL_FILL,
            styles.BOX,
            alignment,
        )

    def _table(self, specs: tuple[FieldSpec, ...], rows: list[tuple[InputCell, ...]]) -> None:
        """A header row of labels, then one row per slot; column B onwards in the schema's order."""
        self._label(1, "No.", styles.CENTER)
        for offset, spec in enumerate(specs):
            self._label(2 + offset, str(spec.label), styles.CENTER)
        self.sheet.row_dimensions[self.row].height = 20
        self.row += 1
        for number, cells in enumerate(rows, start=1):
            self._label(1, str(number), styles.CENTER)
            for offset, cell in enumerate(cells):
                group = f"{cell.defined_name[0]}_{cell.spec.key}"
                self._input(cell, 2 + offset, 2 + offset, group=group, title=str(cell.spec.label))
            self.sheet.row_dimensions[self.row].height = INPUT_ROW_HEIGHT
            self.row += 1

    def _terms_row(self) -> None:
        mark = self.sheet.cell(row=self.row, column=1, value="必須")
        mark.font, mark.alignment = styles.REQUIRED_FONT, styles.CENTER
        cell = terms_cell()
        self._label(2, cell.label)
        self.validations[cell.defined_name] = terms_validation()
        self._input(cell, FIELD_INPUT[0], FIELD_INPUT[0], group=cell.defined_name, title=cell.label)
        self.sheet.row_dimensions[self.row].height = INPUT_ROW_HEIGHT
        self.row += 1

    def _input(self, cell: InputCell, first: int, last: int, *, group: str, title: str) -> None:
        """Shade, unlock and name one input cell (merged over ``first``..``last``), add its validation."""
        if last > first:
            self.sheet.merge_cells(start_row=self.row, start_column=first, end_row=self.row, end_column=last)
        for column in range(first, last + 1):
            target = self.sheet.cell(row=self.row, column=column)
            target.fill, target.border, target.protection = styles.INPUT_FILL, styles.BOX, styles.UNLOCKED
        anchor = self.sheet.cell(row=self.row, column=first)
        anchor.font = styles.INPUT_FONT
        anchor.number_format, anchor.alignment = _format(cell.spec.kind)
        _define(self.workbook, cell.defined_name, self.sheet, _absolute(anchor))
        if group not in self.validations:
            self.validations[group] = validation_for(cell.spec, title=title)
        self.validations[group].add(anchor)

    def _footer(self) -> None:
        self.row += 1
        text = (
            f"記入した申込書（このファイル）は .xlsx 形式のまま、ポータルサイトからアップロードするか、"
            f"メールに添付して {settings.HELP_DESK_EMAIL} へお送りください。"
        )
        self._merged(1, LAST_COLUMN, text, styles.NOTE_FONT, styles.TOP_LEFT)
        self.sheet.row_dimensions[self.row].height = 26

    def _print_setup(self) -> None:
        self.sheet.print_area = f"A1:{get_column_letter(LAST_COLUMN)}{self.row}"
        setup = self.sheet.page_setup
        setup.paperSize, setup.orientation = self.sheet.PAPERSIZE_A4, self.sheet.ORIENTATION_PORTRAIT
        setup.fitToWidth, setup.fitToHeight = 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.print_options.horizontalCentered = True
        margins = self.sheet.page_margins
        margins.left = margins.right = 0.4
        margins.top = margins.bottom = 0.6
        self.sheet.oddFooter.center.text = "&P / &N"


def _format(kind: Kind) -> tuple[str, Alignment]:
    if kind == Kind.DATE:
        return styles.DATE_FORMAT, styles.INPUT_ALIGN
    if kind == Kind.AMOUNT:
        return styles.AMOUNT_FORMAT, styles.NUMBER_ALIGN
    return styles.TEXT_FORMAT, styles.INPUT_ALIGN
