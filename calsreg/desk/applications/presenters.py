"""Shape domain objects for the desk's templates, driven by the application schema.

The detail page lists fields from ``schema.FIELDS`` and ``USER_FIELDS`` so a field added to the
schema shows up here without touching a template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from calsreg.applications.models import Application, ApplicationUser
from calsreg.applications.schema import SECTION_LABELS, USER_FIELDS, FieldSpec, Kind, Section, fields_in
from calsreg.applications.selectors import QUEUE_SORTS
from calsreg.core.templatetags.jdate import jdate
from calsreg.directory.models import SupervisorTitle

# Sections whose content is not a plain list of fields (shown as tables of their own).
TABLE_SECTIONS = frozenset({Section.USERS, Section.SUPERVISORS, Section.TERMS})


EMPTY_VALUE = mark_safe('<span class="muted">—</span>')


@dataclass(frozen=True)
class FieldRow:
    label: Promise | str
    kind: str
    value: Any

    def html(self) -> SafeString:
        """The value as the page shows it, by kind: built here rather than by a template included once per
        field, which cost more than the rest of the detail page's fields together."""
        value = self.value
        if value is None or value == "":
            return EMPTY_VALUE
        if self.kind == Kind.DATE:
            return format_html("{}", jdate(value))
        if self.kind == Kind.AMOUNT:
            unit = " yen" if translation.get_language() == "en" else "円"
            return format_html("{}{}", intcomma(value), unit)
        if self.kind == Kind.EMAIL:
            return format_html('<a href="mailto:{}">{}</a>', value, value)
        if self.kind == Kind.PHONE:
            return format_html('<a href="tel:{}">{}</a>', value, value)
        if self.kind == Kind.REQUESTED_ID:
            return format_html("<code>{}</code>", value)
        return format_html("{}", value)


@dataclass(frozen=True)
class SectionBlock:
    key: str
    label: Promise | str
    rows: list[FieldRow]


def _field_value(application: Application, spec: FieldSpec) -> Any:
    if spec.kind == Kind.OFFICE:
        return application.office.name
    return getattr(application, spec.key, "")


def application_sections(application: Application) -> list[SectionBlock]:
    """Every schema field of the application, grouped by the schema's sections, in schema order."""
    blocks = []
    for section, label in SECTION_LABELS.items():
        if section in TABLE_SECTIONS:
            continue
        rows = [
            FieldRow(label=spec.label, kind=str(spec.kind), value=_field_value(application, spec))
            for spec in fields_in(section)
        ]
        if rows:
            blocks.append(SectionBlock(key=str(section), label=label, rows=rows))
    return blocks


def user_columns() -> list[Promise | str]:
    return [spec.label for spec in USER_FIELDS]


def user_rows(users: list[ApplicationUser]) -> list[list[FieldRow]]:
    """One row per user, one cell per ``USER_FIELDS`` entry (choice fields shown by their label)."""
    rows = []
    for user in users:
        cells = []
        for spec in USER_FIELDS:
            display = getattr(user, f"get_{spec.key}_display", None)
            value = display() if callable(display) else getattr(user, spec.key, "")
            cells.append(FieldRow(label=spec.label, kind=str(spec.kind), value=value))
        rows.append(cells)
    return rows


def stated_supervisors(application: Application) -> list[dict[str, str]]:
    """The names typed on the workbook, with the title's label where it is a known title."""
    titles = dict(SupervisorTitle.choices)
    return [
        {
            "name": entry.get("name", ""),
            "title": str(titles.get(entry.get("title", ""), entry.get("title", ""))),
        }
        for entry in application.stated_supervisors or []
    ]


@dataclass(frozen=True)
class SortColumn:
    label: Promise | str
    key: str  # "" when the column is not sortable
    css: str = ""

    def aria_sort(self, current: str) -> str:
        if not self.key or current.lstrip("-") != self.key:
            return ""
        return "descending" if current.startswith("-") else "ascending"

    def next_sort(self, current: str) -> str:
        """Clicking a column sorts by it ascending; clicking it again flips the direction."""
        if current == self.key:
            return f"-{self.key}"
        return self.key


def queue_columns(labels: Sequence[tuple[Promise | str, str, str]], current: str) -> list[dict[str, Any]]:
    """Header cells with the link target and ``aria-sort`` for the current sort."""
    columns = []
    for label, key, css in labels:
        column = SortColumn(label=label, key=key if key in QUEUE_SORTS else "", css=css)
        columns.append(
            {
                "label": column.label,
                "key": column.key,
                "css": column.css,
                "aria_sort": column.aria_sort(current),
                "next_sort": column.next_sort(current) if column.key else "",
            }
        )
    return columns
