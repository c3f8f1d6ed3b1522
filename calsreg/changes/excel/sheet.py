"""A sheet of the change workbook written top to bottom, in the application workbook's style."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from calsreg.applications.excel import styles
from calsreg.applications.excel.validations import validation_for
from calsreg.applications.schema import FieldSpec, Kind
from calsreg.core.exports import cell_set


@dataclass
class Sheet:
    """Writes one sheet top to bottom; ``row`` is the next free row."""

    workbook: Workbook
    sheet: Worksheet
    last_column: int
    row: int = 1
    validations: list[DataValidation] = field(default_factory=list)

    def widths(self, widths: Mapping[str, float]) -> None:
        for letter, width in widths.items():
            self.sheet.column_dimensions[letter].width = width
        self.sheet.sheet_view.showGridLines = False

    def merged(
        self, first: int, last: int, value: Any, font: Font, alignment: Alignment = styles.LEFT
    ) -> Cell:
        if last > first:
            self.sheet.merge_cells(start_row=self.row, start_column=first, end_row=self.row, end_column=last)
        cell = cell_set(self.sheet.cell(row=self.row, column=first), value)  # "=…" stays text
        cell.font, cell.alignment = font, alignment
        return cell

    def title(self, text: str, note: str) -> None:
        self.merged(1, self.last_column, text, styles.TITLE_FONT, styles.CENTER)
        self.sheet.row_dimensions[1].height = 32
        self.row = 2
        self.note(note)

    def banner(self, text: str) -> None:
        self.row += 1
        self.merged(1, self.last_column, text, styles.SECTION_FONT)
        for column in range(1, self.last_column + 1):
            self.sheet.cell(row=self.row, column=column).fill = styles.SECTION_FILL
        self.sheet.row_dimensions[self.row].height = 20
        self.row += 1

    def note(self, text: str) -> None:
        self.merged(1, self.last_column, text, styles.NOTE_FONT, styles.TOP_LEFT)
        self.sheet.row_dimensions[self.row].height = 30
        self.row += 1

    def label(self, column: int, text: str, alignment: Alignment = styles.LEFT, *, last: int = 0) -> None:
        if last > column:
            self.sheet.merge_cells(start_row=self.row, start_column=column, end_row=self.row, end_column=last)
        cell = cell_set(self.sheet.cell(row=self.row, column=column), text)
        cell.font, cell.fill, cell.border, cell.alignment = (
            styles.LABEL_FONT,
            styles.LABEL_FILL,
            styles.BOX,
            alignment,
        )

    def header(self, start: int, labels: list[str]) -> None:
        for offset, text in enumerate(labels):
            self.label(start + offset, text, styles.CENTER)
        self.sheet.row_dimensions[self.row].height = 20

    def current(self, column: int, value: Any, kind: Kind = Kind.TEXT) -> Cell:
        """A registered value: shown, boxed and locked (the sheet is protected without a password)."""
        cell = cell_set(self.sheet.cell(row=self.row, column=column), _display(value, kind))
        cell.font, cell.border = styles.INPUT_FONT, styles.BOX
        cell.number_format, cell.alignment = _format(kind)
        return cell

    def input(
        self,
        column: int,
        name: str,
        spec: FieldSpec | None,
        *,
        title: str,
        rule: DataValidation | None = None,
    ) -> Cell:
        """A yellow, unlocked input cell named ``name``, with ``rule`` (or the spec's rule)."""
        cell = self.sheet.cell(row=self.row, column=column)
        cell.fill, cell.border, cell.protection = styles.INPUT_FILL, styles.BOX, styles.UNLOCKED
        cell.font = styles.INPUT_FONT
        cell.number_format, cell.alignment = _format(spec.kind if spec else Kind.TEXT)
        define(self.workbook, name, self.sheet, f"${cell.column_letter}${cell.row}")
        validation = rule or (validation_for(spec, title=title) if spec is not None else None)
        if validation is not None:
            validation.add(cell)
            self.validations.append(validation)
        return cell

    def finish(self, *, landscape: bool = False) -> None:
        for validation in self.validations:
            self.sheet.add_data_validation(validation)
        self.sheet.print_area = f"A1:{get_column_letter(self.last_column)}{max(self.row - 1, 1)}"
        setup = self.sheet.page_setup
        setup.paperSize = self.sheet.PAPERSIZE_A4
        setup.orientation = self.sheet.ORIENTATION_LANDSCAPE if landscape else self.sheet.ORIENTATION_PORTRAIT
        setup.fitToWidth, setup.fitToHeight = 1, 0
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.oddFooter.center.text = "&P / &N"
        # No password: protection only guards the registered values and labels against stray edits.
        self.sheet.protection.sheet = True


def define(workbook: Workbook, name: str, sheet: Worksheet, reference: str) -> None:
    workbook.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheetname(sheet.title)}!{reference}")


def _display(value: Any, kind: Kind) -> Any:
    if value in (None, ""):
        return ""
    if kind == Kind.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _format(kind: Kind) -> tuple[str, Alignment]:
    if kind == Kind.DATE:
        return styles.DATE_FORMAT, styles.INPUT_ALIGN
    if kind == Kind.AMOUNT:
        return styles.AMOUNT_FORMAT, styles.NUMBER_ALIGN
    return styles.TEXT_FORMAT, styles.INPUT_ALIGN
