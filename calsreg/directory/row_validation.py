"""Cleaning and checking the rows of a directory CSV, before anything touches the database.

Every row is checked fully and every problem is reported (not only the first), each naming the row,
the field and how to fix it, so the help desk corrects the file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from calsreg.core.phone import normalise_phone, normalise_postcode, phone_has_letters, phone_letters_message
from calsreg.core.text import text_refusal
from calsreg.core.width import IDEOGRAPHIC_SPACE, is_katakana, strip_spaces, to_full_width_kana, to_half_width
from calsreg.directory.csv_format import COLUMNS, TITLE_LABELS, ParsedFile
from calsreg.directory.import_report import RowError

_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_WHITESPACE_RE = re.compile(r"[\s\u3000]+")
# A cell starting with one of these is run as a formula when the exported file is opened in Excel
# (CSV injection), so such text is refused at the door.
_FORMULA_PREFIXES = ("=", "+", "-", "@")
_ACTIVE_VALUES = {"1": True, "有効": True, "0": False, "無効": False}
# The Japanese label (what the file shows) or the stored value (what a script may write).
_TITLE_VALUES = {label: str(value) for value, label in TITLE_LABELS.items()} | {
    str(value): str(value) for value in TITLE_LABELS
}

# Model field lengths (see models.py).
_MAX_LENGTH = {
    "organisation_code": 20,
    "organisation_name": 100,
    "office_code": 20,
    "office_name": 100,
    "office_address": 200,
    "code": 20,
    "name": 60,
    "kana": 60,
    "email": 254,
}
_OPTIONAL = {"office_postcode", "office_address", "office_phone"}
# Columns that describe the office (or organisation) and so must agree on every row of that office.
_OFFICE_COLUMNS = ("organisation_code", "office_name", "office_postcode", "office_address", "office_phone")


@dataclass(frozen=True)
class DirectoryRow:
    """One valid row, normalised; ``title`` is a ``SupervisorTitle`` value."""

    row: int
    organisation_code: str
    organisation_name: str
    office_code: str
    office_name: str
    office_postcode: str
    office_address: str
    office_phone: str
    code: str
    name: str
    kana: str
    title: str
    email: str
    phone: str
    active: bool


def _error(row: int, column: str, message: Any) -> RowError:
    return RowError(row=row, column=column, label=COLUMNS.get(column, ""), message=str(message))


def check_header(parsed: ParsedFile) -> list[RowError]:
    errors: list[RowError] = []
    missing = [label for key, label in COLUMNS.items() if key not in parsed.columns]
    if missing:
        message = _(
            "見出し行に「%(columns)s」の列がありません。1行目は書き出したCSVと同じ見出しにしてください。"
        )
        errors.append(_error(0, "", message % {"columns": "」「".join(missing)}))
    for header in parsed.duplicate_headers:
        message = _("見出し「%(header)s」が2回以上あります。どちらか1つの列にしてください。")
        errors.append(_error(0, "", message % {"header": header}))
    if not parsed.rows:
        errors.append(_error(0, "", _("監督員の行がありません。2行目から監督員を1人1行で入力してください。")))
    return errors


def clean_rows(parsed: ParsedFile) -> tuple[list[DirectoryRow], list[RowError]]:
    """Clean every row, then check the rows against one another. Rows are returned only if all are valid."""
    errors: list[RowError] = []
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for number, cells in parsed.rows:
        values, row_errors = _clean_row(number, cells, parsed)
        cleaned.append((number, values))
        errors.extend(row_errors)
    errors.extend(_check_across_rows(cleaned))
    if errors:
        return [], sorted(errors, key=lambda e: (e.row, list(COLUMNS).index(e.column) if e.column else -1))
    return [DirectoryRow(row=number, **values) for number, values in cleaned], []


def _clean_row(number: int, cells: list[str], parsed: ParsedFile) -> tuple[dict[str, Any], list[RowError]]:
    """Return the valid values of the row (a field with an error is left out) and its errors."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    if any(cell.strip() for cell in cells[parsed.header_width :]):
        errors.append(
            _error(number, "", _("見出しのない列に値があります。表の右側の不要な値を削除してください。"))
        )
    for key, index in parsed.columns.items():
        raw = cells[index] if index < len(cells) else ""
        try:
            values[key] = _clean_cell(key, raw)
        except _CellError as problem:
            errors.append(_error(number, key, problem.message))
    return values, errors


class _CellError(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


def _clean_cell(key: str, raw: str) -> Any:
    label = COLUMNS[key]
    text = strip_spaces(raw)
    refusal = text_refusal(text, label=label)
    if refusal is not None:
        # Every field here is one line on a letter, a mail or a drop-down; a line break typed with
        # Alt+Enter in Excel is refused like any other control character.
        raise _CellError(refusal)
    if not text:
        if key in _OPTIONAL:
            return ""
        raise _CellError(_("「%(label)s」が空欄です。入力してください。") % {"label": label})
    value: Any = _CLEANERS.get(key, _clean_text)(text, label)
    limit = _MAX_LENGTH.get(key)
    if limit is not None and len(value) > limit:
        raise _CellError(
            _("「%(label)s」は%(limit)d文字以内で入力してください（今は%(length)d文字です）。")
            % {"label": label, "limit": limit, "length": len(value)}
        )
    return value


def _clean_text(text: str, label: str) -> str:
    if text.startswith(_FORMULA_PREFIXES):
        raise _CellError(
            _(
                "「%(label)s」の先頭に「=」「+」「-」「@」は使えません（Excelで数式として扱われるため）。先頭の記号を削除してください。"
            )
            % {"label": label}
        )
    return text


def _clean_person_name(text: str, label: str) -> str:
    # Family and given names are separated by one full-width space, the Japanese convention, whatever
    # the file had; so re-importing a file typed differently does not count as a change.
    return _WHITESPACE_RE.sub(IDEOGRAPHIC_SPACE, _clean_text(text, label))


def _clean_code(text: str, label: str) -> str:
    code = to_half_width(text)
    if not _CODE_RE.match(code):
        raise _CellError(
            _("「%(label)s」は半角の英数字・ハイフン・アンダースコアで入力してください（例: 1501）。")
            % {"label": label}
        )
    return code


def _clean_kana(text: str, label: str) -> str:
    kana = _WHITESPACE_RE.sub(IDEOGRAPHIC_SPACE, to_full_width_kana(_clean_text(text, label)))
    if not is_katakana(kana):
        raise _CellError(
            _("「%(label)s」は全角カタカナで入力してください（例: サトウ　ケンジ）。") % {"label": label}
        )
    return kana


def _clean_email(text: str, label: str) -> str:
    email = to_half_width(_clean_text(text, label))
    try:
        validate_email(email)
    except ValidationError as error:
        raise _CellError(
            _("「%(label)s」の形式が正しくありません。半角で name@example.jp の形に入力してください。")
            % {"label": label}
        ) from error
    local, _at, domain = email.rpartition("@")
    # Domain names are case-insensitive; the local part is left as the owner wrote it.
    return f"{local}@{domain.lower()}"


def _clean_phone(text: str, label: str) -> str:
    if phone_has_letters(text):
        raise _CellError(phone_letters_message(label=label))
    phone = normalise_phone(text)
    if phone is None:
        raise _CellError(
            _("「%(label)s」は市外局番から半角数字で入力してください（例: 025-285-5511）。")
            % {"label": label}
        )
    return phone


def _clean_postcode(text: str, label: str) -> str:
    postcode = normalise_postcode(text)
    if postcode is None:
        raise _CellError(
            _("「%(label)s」は7桁の半角数字で入力してください（例: 950-8570）。") % {"label": label}
        )
    return postcode


def _clean_title(text: str, label: str) -> str:
    title = _TITLE_VALUES.get(text) or _TITLE_VALUES.get(to_half_width(text).lower())
    if title is None:
        raise _CellError(
            _("「%(label)s」は「総括監督員」「主任監督員」「監督員」のいずれかを入力してください。")
            % {"label": label}
        )
    return title


def _clean_active(text: str, label: str) -> bool:
    active = _ACTIVE_VALUES.get(to_half_width(text))
    if active is None:
        raise _CellError(
            _("「%(label)s」は 1（有効）または 0（無効）を入力してください。") % {"label": label}
        )
    return active


_CLEANERS: dict[str, Callable[[str, str], Any]] = {
    "organisation_code": _clean_code,
    "office_code": _clean_code,
    "office_postcode": _clean_postcode,
    "office_phone": _clean_phone,
    "code": _clean_code,
    "name": _clean_person_name,
    "kana": _clean_kana,
    "title": _clean_title,
    "email": _clean_email,
    "phone": _clean_phone,
    "active": _clean_active,
}


def _check_across_rows(cleaned: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """Rules across rows: one row per supervisor, one description per office and organisation, and
    one name per office (office names are unique, and the workbook identifies an office by its name)."""
    errors: list[RowError] = []
    first_of_supervisor: dict[str, int] = {}
    first_of_office: dict[str, tuple[int, dict[str, Any]]] = {}
    first_of_organisation: dict[str, tuple[int, dict[str, Any]]] = {}
    office_of_name: dict[str, tuple[int, str]] = {}
    for number, values in cleaned:
        code = values.get("code")
        if code is not None:
            if code in first_of_supervisor:
                message = _(
                    "職員コード %(code)s は%(first)d行目と重複しています。1人につき1行にしてください。"
                )
                errors.append(
                    _error(number, "code", message % {"code": code, "first": first_of_supervisor[code]})
                )
            else:
                first_of_supervisor[code] = number
        errors.extend(_check_same(number, values, "office_code", _OFFICE_COLUMNS, first_of_office))
        errors.extend(
            _check_same(number, values, "organisation_code", ("organisation_name",), first_of_organisation)
        )
        office_code, office_name = values.get("office_code"), values.get("office_name")
        if office_code is None or office_name is None:
            continue
        first = office_of_name.setdefault(office_name, (number, office_code))
        if first[1] != office_code:
            message = _(
                "事務所名 %(name)s は%(first)d行目で別の事務所コード %(other)s に使われています。"
                "事務所ごとに違う名前にしてください。"
            )
            errors.append(
                _error(
                    number,
                    "office_name",
                    message % {"name": office_name, "first": first[0], "other": first[1]},
                )
            )
    return errors


def _check_same(
    number: int,
    values: dict[str, Any],
    key_column: str,
    columns: tuple[str, ...],
    first_rows: dict[str, tuple[int, dict[str, Any]]],
) -> list[RowError]:
    """Each of ``columns`` must equal its value on the first row with the same ``key_column`` value.
    A field that failed its own check is skipped so one mistake is not reported twice."""
    key = values.get(key_column)
    if key is None:
        return []
    if key not in first_rows:
        first_rows[key] = (number, values)
        return []
    first_number, first_values = first_rows[key]
    errors = []
    for column in columns:
        if column not in values or column not in first_values or values[column] == first_values[column]:
            continue
        message = _(
            "%(key_label)s %(key)s の「%(label)s」が%(first)d行目（%(expected)s）と違います。"
            "同じ%(key_label)sの行はすべて同じ内容にしてください。"
        )
        errors.append(
            _error(
                number,
                column,
                message
                % {
                    "key_label": COLUMNS[key_column],
                    "key": key,
                    "label": COLUMNS[column],
                    "first": first_number,
                    "expected": first_values[column] or _("空欄"),
                },
            )
        )
    return errors
