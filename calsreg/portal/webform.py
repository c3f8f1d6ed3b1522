"""The web application form: request.POST → raw payload, and raw payload + errors → what to render.

Nothing here lists the fields: every input comes from ``applications.schema``, so a field added there
appears on the web form with its label, help and validation messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from calsreg.applications.models import UserRole
from calsreg.applications.schema import (
    FIELDS,
    MAX_USERS,
    SECTION_LABELS,
    TERMS_FIELD,
    USER_FIELDS,
    FieldSpec,
    Kind,
    Section,
    fields_in,
)
from calsreg.applications.validation import user_label
from calsreg.core.errors import FieldError

INITIAL_USER_ROWS = 3
USER_ROWS_KEY = "user_rows"
SUPERVISORS_KEY = "supervisor_ids"
TERMS_ACCEPTED_VALUE = "accepted"
# "The invoice goes to the company": the checkbox and the inputs it fills from the contractor's.
BILLING_SAME_KEY = "billing_same_as_contractor"
BILLING_FROM_CONTRACTOR = {
    "billing_addressee": "contractor_name",
    "billing_postcode": "contractor_postcode",
    "billing_address": "contractor_address",
    "billing_phone": "contractor_phone",
}
_USER_INPUT_RE = re.compile(r"^users-(\d{1,3})-([a-z_]+)$")
_USER_PATH_RE = re.compile(r"^users\[(\d+)\]\.(\w+)$")
_USER_KEYS = {spec.key for spec in USER_FIELDS}
_FIELD_KEYS = {spec.key for spec in FIELDS}


def user_input_name(position: int, key: str) -> str:
    """Name (and id) of a user-table input: ``users-2-requested_id``."""
    return f"users-{position}-{key}"


def raw_from_post(post: Any) -> dict[str, Any]:
    """Turn the submitted form (a QueryDict) into the raw payload ``validate_application`` expects.

    Values stay exactly as typed (the validator normalises and says so); user rows left completely
    blank are dropped, the others keep the row number they were typed on so errors point back to it.
    """
    raw: dict[str, Any] = {spec.key: post.get(spec.key, "") for spec in FIELDS}
    raw["users"] = _users_from_post(post)
    raw[SUPERVISORS_KEY] = [value for value in post.getlist(SUPERVISORS_KEY) if value]
    raw[TERMS_FIELD.key] = post.get(TERMS_FIELD.key) == TERMS_ACCEPTED_VALUE
    if post.get(BILLING_SAME_KEY):
        # Without JavaScript nothing filled the billing inputs: the server does what the box says.
        raw[BILLING_SAME_KEY] = True
        raw |= {billing: raw[contractor] for billing, contractor in BILLING_FROM_CONTRACTOR.items()}
    return raw


def hidden_inputs(raw: Mapping[str, Any], *, row_count: int) -> list[tuple[str, str]]:
    """``raw_from_post`` reversed: the inputs that post ``raw`` again (the confirmation page's form)."""
    inputs = [(spec.key, str(raw.get(spec.key) or "")) for spec in FIELDS]
    for row in raw.get("users", []):
        inputs += [
            (user_input_name(int(row["position"]), spec.key), str(row.get(spec.key) or ""))
            for spec in USER_FIELDS
        ]
    inputs += [(SUPERVISORS_KEY, str(value)) for value in raw.get(SUPERVISORS_KEY, [])]
    if raw.get(TERMS_FIELD.key):
        inputs.append((TERMS_FIELD.key, TERMS_ACCEPTED_VALUE))
    if raw.get(BILLING_SAME_KEY):
        inputs.append((BILLING_SAME_KEY, "1"))
    inputs.append((USER_ROWS_KEY, str(row_count)))
    return inputs


def _users_from_post(post: Any) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for name in post:
        match = _USER_INPUT_RE.match(name)
        if match and match.group(2) in _USER_KEYS:
            position = int(match.group(1))
            rows.setdefault(position, {"position": position})[match.group(2)] = post.get(name, "")
    users = []
    for position in sorted(rows):
        row = {"position": position} | {spec.key: rows[position].get(spec.key, "") for spec in USER_FIELDS}
        if any(str(row[spec.key]).strip() for spec in USER_FIELDS):
            users.append(row)
    return users


def user_row_count(post: Any, raw: Mapping[str, Any], *, add: int = 0) -> int:
    """How many user rows to show: what the page had, at least the rows holding data, capped."""
    try:
        shown = int(post.get(USER_ROWS_KEY) or 0)
    except (TypeError, ValueError):
        shown = 0
    highest = max((int(row["position"]) for row in raw.get("users", [])), default=0)
    return max(1, min(MAX_USERS, max(INITIAL_USER_ROWS, shown, highest) + add))


# --- rendering -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Widget:
    input_type: str = "text"
    inputmode: str = ""
    autocomplete: str = "off"


# Browser autofill tokens that the field's kind and section cannot tell.
_AUTOCOMPLETE_HINTS = {
    "contractor_name": "organization",
    "applicant_name": "name",
    "billing_addressee": "organization",
}
_KIND_WIDGETS = {
    Kind.EMAIL: Widget("email", "email", "email"),
    Kind.PHONE: Widget("tel", "tel", "tel"),
    Kind.POSTCODE: Widget("text", "numeric", "postal-code"),
    Kind.DATE: Widget("date"),
    Kind.AMOUNT: Widget("text", "numeric"),
}
# Sections holding the applicant's own company details may be autofilled; "billing" keeps the
# invoice address apart from the company's.
_SECTION_AUTOFILL = {
    Section.CONTRACTOR: "section-contractor",
    Section.APPLICANT: "",
    Section.BILLING: "billing",
}


def widget_for(spec: FieldSpec) -> Widget:
    widget = _KIND_WIDGETS.get(spec.kind, Widget())
    if spec.section not in _SECTION_AUTOFILL:
        return Widget(widget.input_type, widget.inputmode, "off")
    hint = _AUTOCOMPLETE_HINTS.get(spec.key) or (
        "street-address" if spec.key.endswith("_address") else widget.autocomplete
    )
    if hint == "off":
        return widget
    prefix = _SECTION_AUTOFILL[spec.section]
    return Widget(widget.input_type, widget.inputmode, f"{prefix} {hint}".strip())


@dataclass
class BoundField:
    spec: FieldSpec
    name: str
    label: str
    value: Any
    errors: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)

    @property
    def html_id(self) -> str:
        return self.name

    @property
    def widget(self) -> Widget:
        return widget_for(self.spec)

    @property
    def help_text(self) -> str:
        parts = [str(self.spec.help)] if self.spec.help else []
        if self.spec.example:
            parts.append(_("記入例: %(example)s") % {"example": self.spec.example})
        return " ".join(parts)

    @property
    def described_by(self) -> str:
        ids = [f"{self.html_id}-help"] if self.help_text else []
        if self.errors:
            ids.append(f"{self.html_id}-error")
        return " ".join(ids)

    @property
    def cell_described_by(self) -> str:
        """In the users table the help is given once, under the column's name (``users-kana-help``)."""
        ids = [f"{self.html_id}-error"] if self.errors else []
        if self.help_text:
            ids.append(f"users-{self.spec.key}-help")
        return " ".join(ids)

    @property
    def postcode_fills(self) -> str:
        """The id of the address input a postcode input fills (static/js/calsreg.js), or ""."""
        address = self.spec.key.replace("_postcode", "_address")
        if self.spec.kind != Kind.POSTCODE or address not in _FIELD_KEYS:
            return ""
        return address

    @property
    def is_select(self) -> bool:
        return self.spec.kind in {Kind.OFFICE, Kind.USER_ROLE}

    @property
    def wide(self) -> bool:
        return self.spec.kind == Kind.TEXT and self.spec.max_length >= 200


@dataclass(frozen=True)
class ErrorLink:
    href: str
    text: str


@dataclass
class FormView:
    sections: list[tuple[Section, str, list[BoundField]]]
    user_rows: list[tuple[int, list[BoundField]]]
    user_help: list[BoundField]
    row_count: int
    supervisor_ids: set[str]
    terms_accepted: bool
    billing_same: bool
    error_links: list[ErrorLink]
    errors_by_path: dict[str, list[str]]

    @property
    def can_add_user(self) -> bool:
        return self.row_count < MAX_USERS

    @property
    def billing_copy(self) -> str:
        """For static/js/calsreg.js: billing input id → contractor input id, as "to:from to:from"."""
        return " ".join(f"{billing}:{contractor}" for billing, contractor in BILLING_FROM_CONTRACTOR.items())

    def errors_for(self, path: str) -> list[str]:
        return self.errors_by_path.get(path, [])

    @property
    def users_errors(self) -> list[str]:
        return self.errors_for("users")

    @property
    def supervisor_errors(self) -> list[str]:
        return self.errors_for(SUPERVISORS_KEY)

    @property
    def terms_errors(self) -> list[str]:
        return self.errors_for(TERMS_FIELD.key)


def html_id_for_path(path: str) -> str:
    """Error path of the validator (``users[2].kana``) → the id of the input it is about."""
    match = _USER_PATH_RE.match(path)
    return user_input_name(int(match.group(1)), match.group(2)) if match else path


def role_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in UserRole.choices]


def form_view(
    *,
    raw: Mapping[str, Any],
    errors: Iterable[FieldError] = (),
    office_choices: list[tuple[str, str]],
    row_count: int,
) -> FormView:
    """Everything the form template shows, built from the schema, the values and the errors."""
    errors = list(errors)
    by_path: dict[str, list[str]] = {}
    for error in errors:
        by_path.setdefault(html_id_for_path(error.field), []).append(error.message)
    sections = []
    for section, label in SECTION_LABELS.items():
        bound = [
            BoundField(
                spec=spec,
                name=spec.key,
                label=str(spec.label),
                value=raw.get(spec.key, ""),
                errors=by_path.get(spec.key, []),
                choices=office_choices if spec.kind == Kind.OFFICE else [],
            )
            for spec in fields_in(section)
        ]
        sections.append((section, str(label), bound))
    return FormView(
        sections=sections,
        user_rows=_user_rows(raw, by_path, row_count),
        user_help=[BoundField(spec, f"users-{spec.key}", str(spec.label), "") for spec in USER_FIELDS],
        row_count=row_count,
        supervisor_ids={str(value) for value in raw.get(SUPERVISORS_KEY, [])},
        terms_accepted=bool(raw.get(TERMS_FIELD.key)),
        billing_same=bool(raw.get(BILLING_SAME_KEY)),
        error_links=_error_links(errors),
        errors_by_path=by_path,
    )


def user_row(position: int, values: Mapping[str, Any], by_path: Mapping[str, list[str]]) -> list[BoundField]:
    """The inputs of one user row (also rendered alone when a row is added)."""
    return [
        BoundField(
            spec=spec,
            name=user_input_name(position, spec.key),
            label=user_label(position, str(spec.label)),
            value=values.get(spec.key, ""),
            errors=list(by_path.get(user_input_name(position, spec.key), [])),
            choices=role_choices() if spec.kind == Kind.USER_ROLE else [],
        )
        for spec in USER_FIELDS
    ]


def _user_rows(
    raw: Mapping[str, Any], by_path: Mapping[str, list[str]], row_count: int
) -> list[tuple[int, list[BoundField]]]:
    values_by_position = {int(row["position"]): row for row in raw.get("users", [])}
    return [
        (position, user_row(position, values_by_position.get(position, {}), by_path))
        for position in range(1, row_count + 1)
    ]


def _error_links(errors: list[FieldError]) -> list[ErrorLink]:
    sections = {spec.key: SECTION_LABELS[spec.section] for spec in FIELDS}
    links = []
    for error in errors:
        text = error.message
        if error.field in sections:
            # 電話番号, 郵便番号 and 住所 appear in several sections: the summary says which one.
            text = _("%(section)s：%(message)s") % {"section": sections[error.field], "message": text}
        links.append(ErrorLink(href=f"#{html_id_for_path(error.field)}", text=text))
    return links
