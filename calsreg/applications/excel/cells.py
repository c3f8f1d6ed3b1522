"""The workbook's input cells, derived from the schema: one defined name per cell.

The template writes these names and the reader reads them, so both sides agree without either
knowing a cell address. Labels are the Japanese names used in messages about a cell.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from calsreg.applications.schema import (
    FIELDS,
    SECTION_LABELS,
    SUPERVISOR_NAME_FIELDS,
    TERMS_FIELD,
    USER_FIELDS,
    WORKBOOK_SUPERVISOR_SLOTS,
    WORKBOOK_USER_SLOTS,
    FieldSpec,
    supervisor_defined_name,
    user_defined_name,
)

# The hidden marker naming the layout; a workbook of another version is refused.
FORM_VERSION_NAME = "FORM_VERSION"
TERMS_VERSION_NAME = "TERMS_VERSION"
TERMS_ACCEPTED_TEXT = "同意する"


@dataclass(frozen=True)
class InputCell:
    """One input cell: its defined name, the field spec and, for table rows, the 1-based slot."""

    defined_name: str
    spec: FieldSpec
    slot: int | None = None

    @property
    def label(self) -> str:
        """The Japanese label that names this cell in messages (unique within the workbook)."""
        label = str(self.spec.label)
        if self.slot is not None and self.spec in USER_FIELDS:
            # The same wording as the shared validator's messages about user rows.
            return _("利用者%(n)sの%(label)s") % {"n": self.slot, "label": label}
        if self.slot is not None:
            return _("監督員%(n)sの%(label)s") % {"n": self.slot, "label": label}
        if self.spec in FIELDS and label in _ambiguous_field_labels():
            # 電話番号 / 郵便番号 / 住所 appear in several sections: say which one.
            return _("%(section)sの%(label)s") % {
                "section": SECTION_LABELS[self.spec.section],
                "label": label,
            }
        return label


def _ambiguous_field_labels() -> set[str]:
    counts = Counter(str(spec.label) for spec in FIELDS)
    return {label for label, count in counts.items() if count > 1}


def field_cells() -> tuple[InputCell, ...]:
    return tuple(InputCell(spec.defined_name, spec) for spec in FIELDS)


def user_cells(slot: int) -> tuple[InputCell, ...]:
    return tuple(InputCell(user_defined_name(slot, spec.key), spec, slot) for spec in USER_FIELDS)


def supervisor_cells(slot: int) -> tuple[InputCell, ...]:
    return tuple(
        InputCell(supervisor_defined_name(slot, spec.key), spec, slot) for spec in SUPERVISOR_NAME_FIELDS
    )


def terms_cell() -> InputCell:
    return InputCell(TERMS_FIELD.defined_name, TERMS_FIELD)


def all_input_cells() -> tuple[InputCell, ...]:
    """Every input cell in the order of the form (the order messages list them in)."""
    cells = list(field_cells())
    for slot in range(1, WORKBOOK_USER_SLOTS + 1):
        cells.extend(user_cells(slot))
    for slot in range(1, WORKBOOK_SUPERVISOR_SLOTS + 1):
        cells.extend(supervisor_cells(slot))
    cells.append(terms_cell())
    return tuple(cells)
