"""The one validator of application content, shared by the web form, the workbook reader and the API.

It takes the *raw payload* (strings as typed; see ``excel/reader.py`` for its shape), normalises what is
safe to normalise (full-width digits and letters in half-width fields, half-width kana, spaces), and
either returns an ``ApplicationData`` or raises ``ValidationFailed`` listing every problem at once,
each naming the field and the fix in plain Japanese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from calsreg.applications.models import UserRole
from calsreg.applications.schema import (
    FIELDS,
    MAX_USERS,
    SUPERVISOR_NAME_FIELDS,
    USER_FIELDS,
    FieldSpec,
    Kind,
)
from calsreg.core import clock
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.core.phone import normalise_phone, normalise_postcode, phone_has_letters, phone_letters_message
from calsreg.core.text import text_refusal
from calsreg.core.width import is_katakana, strip_spaces, to_full_width_kana, to_half_width
from calsreg.directory.models import OrdererOffice, Supervisor, SupervisorTitle
from calsreg.directory.selectors import office_by_code_or_name

REQUESTED_ID_RE = re.compile(r"^[a-z0-9]+$")
REQUESTED_ID_MIN, REQUESTED_ID_MAX = 3, 10
MAX_CONTRACT_AMOUNT = 999_999_999_999  # 1 trillion yen: anything larger is a typing error
EARLIEST_PLAUSIBLE_DATE = date(2000, 1, 1)
PLAUSIBLE_YEARS_AHEAD = 10
MAX_CONSTRUCTION_YEARS = 10
ACCEPTED_TERMS_VALUES = {"同意する", "同意します", "はい", "true", "1", "on", "yes", "accepted"}


@dataclass
class ApplicationData:
    """Validated, normalised content of an application, ready for ``application_submit``."""

    values: dict[str, Any]
    office: OrdererOffice
    users: list[dict[str, Any]]
    supervisors: list[Supervisor]
    stated_supervisors: list[dict[str, str]]
    form_version: str = ""
    notices: list[str] = field(default_factory=list)


class _Collector:
    """Collects errors and normalisation notices while the payload is walked once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.notices: list[str] = []

    def error(self, path: str, label: str, message: str) -> None:
        self.errors.append(FieldError(field=path, label=label, message=message))

    def widened(self, label: str, before: str, after: str) -> None:
        self.notices.append(
            _("「%(label)s」の全角文字を半角に直しました: %(before)s → %(after)s")
            % {"label": label, "before": before, "after": after}
        )


def validate_application(raw: dict[str, Any], *, require_directory_supervisors: bool) -> ApplicationData:
    """Validate a raw payload.

    ``require_directory_supervisors``: the web form and the API choose supervisors from the directory
    (``supervisor_ids``); a workbook only states names, which the desk matches later.

    Raises ``ValidationFailed`` with every problem found; returns normalised data otherwise.
    """
    out = _Collector()
    values: dict[str, Any] = {}
    for spec in FIELDS:
        values[spec.key] = _clean_value(
            spec, raw.get(spec.key), path=spec.key, label=str(spec.label), out=out
        )
    _check_dates(values, out)
    office = values.pop("office")
    users = _clean_users(raw.get("users"), out)
    supervisors = _clean_supervisor_ids(
        raw.get("supervisor_ids"), office=office, required=require_directory_supervisors, out=out
    )
    stated = _clean_stated_supervisors(raw.get("supervisor_names"), out)
    if not _is_accepted(raw.get("terms_accepted")):
        out.error(
            "terms_accepted", _("利用規約への同意"), _("利用規約を読み、「同意する」を選んでください。")
        )
    if out.errors:
        raise ValidationFailed(errors=out.errors)
    return ApplicationData(
        values=values,
        office=office,
        users=users,
        supervisors=supervisors,
        stated_supervisors=stated,
        form_version=str(raw.get("form_version") or ""),
        notices=out.notices,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_spaces(str(value))


def _clean_value(spec: FieldSpec, value: Any, *, path: str, label: str, out: _Collector) -> Any:
    text = _text(value)
    refusal = text_refusal(text, label=label)
    if refusal is not None:
        out.error(path, label, refusal)
        return None if spec.kind in {Kind.DATE, Kind.AMOUNT, Kind.OFFICE} else ""
    if not text:
        if spec.required:
            verb = _("選んで") if spec.kind in {Kind.OFFICE, Kind.USER_ROLE} else _("入力して")
            out.error(path, label, _("「%(label)s」を%(verb)sください。") % {"label": label, "verb": verb})
        return None if spec.kind in {Kind.DATE, Kind.AMOUNT, Kind.OFFICE} else ""
    cleaner = _CLEANERS.get(spec.kind, _clean_text)
    return cleaner(spec, text, path, label, out)


def _clean_text(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    if len(text) > spec.max_length:
        out.error(
            path,
            label,
            _("「%(label)s」は%(max)s文字以内で入力してください（現在%(len)s文字）。")
            % {"label": label, "max": spec.max_length, "len": len(text)},
        )
    return text


def _clean_kana(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    kana = to_full_width_kana(text)
    if not is_katakana(kana):
        out.error(path, label, _("「%(label)s」は全角カタカナで入力してください。") % {"label": label})
        return text
    return _clean_text(spec, kana, path, label, out)


def _half(text: str, label: str, out: _Collector) -> str:
    half = to_half_width(text)
    if half != text:
        out.widened(label, text, half)
    return half


def _clean_email(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    email = _half(text, label, out)
    try:
        validate_email(email)
    except ValidationError:
        out.error(
            path,
            label,
            _("「%(label)s」の形式が正しくありません（例: taro@example.co.jp）。") % {"label": label},
        )
        return email
    return _clean_text(spec, email, path, label, out)


def _clean_phone(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    if phone_has_letters(text):
        out.error(path, label, phone_letters_message(label=label))
        return text
    phone = normalise_phone(_half(text, label, out))
    if phone is None:
        out.error(
            path,
            label,
            _("「%(label)s」は市外局番からの日本の電話番号で入力してください（例: 025-285-5511）。")
            % {"label": label},
        )
        return text
    return phone


def _clean_postcode(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    postcode = normalise_postcode(_half(text, label, out))
    if postcode is None:
        out.error(
            path, label, _("「%(label)s」は7桁の数字で入力してください（例: 950-8570）。") % {"label": label}
        )
        return text
    return postcode


def _clean_date(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> date | None:
    normal = _half(text, label, out).replace("/", "-").replace(".", "-")
    normal = re.sub(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", r"\1-\2-\3", normal)
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$", normal)
    parsed: date | None = None
    if match:
        try:
            parsed = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            parsed = None
    if parsed is None:
        out.error(
            path, label, _("「%(label)s」は日付で入力してください（例: 2026-12-01）。") % {"label": label}
        )
        return None
    latest = date(clock.today().year + PLAUSIBLE_YEARS_AHEAD, 12, 31)
    if not EARLIEST_PLAUSIBLE_DATE <= parsed <= latest:
        out.error(
            path,
            label,
            _("「%(label)s」の日付が範囲外です（%(first)s年〜%(last)s年の日付を入力してください）。")
            % {"label": label, "first": EARLIEST_PLAUSIBLE_DATE.year, "last": latest.year},
        )
        return None
    return parsed


def _clean_amount(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> int | None:
    normal = _half(text, label, out).replace(",", "").replace("¥", "").replace("\\", "").replace("円", "")
    if not re.fullmatch(r"\d+", normal):
        out.error(
            path,
            label,
            _("「%(label)s」は円単位の半角数字で入力してください（例: 48400000）。") % {"label": label},
        )
        return None
    amount = int(normal)
    if amount <= 0:
        out.error(path, label, _("「%(label)s」は1円以上で入力してください。") % {"label": label})
        return None
    if amount > MAX_CONTRACT_AMOUNT:
        out.error(
            path, label, _("「%(label)s」の桁数が多すぎます。円単位で入力してください。") % {"label": label}
        )
        return None
    return amount


def _clean_office(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> OrdererOffice | None:
    office = office_by_code_or_name(text)
    if office is None:
        out.error(path, label, _("「%(label)s」は一覧から選んでください。") % {"label": label})
    return office


def _clean_user_role(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    for value, role_label in UserRole.choices:
        if text in (value, str(role_label)):
            return value
    out.error(path, label, _("「%(label)s」は一覧から選んでください。") % {"label": label})
    return text


def _clean_requested_id(spec: FieldSpec, text: str, path: str, label: str, out: _Collector) -> str:
    half = _half(text, label, out)
    lower = half.lower()
    if lower != half:
        out.notices.append(
            _("「%(label)s」の英大文字を小文字に直しました: %(before)s → %(after)s")
            % {"label": label, "before": half, "after": lower}
        )
    if not REQUESTED_ID_RE.match(lower):
        out.error(
            path,
            label,
            _("「%(label)s」は半角英数字だけで入力してください（記号・空白・日本語は使えません）。")
            % {"label": label},
        )
    elif not REQUESTED_ID_MIN <= len(lower) <= REQUESTED_ID_MAX:
        out.error(
            path,
            label,
            _("「%(label)s」は%(min)s〜%(max)s文字にしてください（現在%(len)s文字）。")
            % {"label": label, "min": REQUESTED_ID_MIN, "max": REQUESTED_ID_MAX, "len": len(lower)},
        )
    return lower


_CLEANERS = {
    Kind.KANA: _clean_kana,
    Kind.EMAIL: _clean_email,
    Kind.PHONE: _clean_phone,
    Kind.POSTCODE: _clean_postcode,
    Kind.DATE: _clean_date,
    Kind.AMOUNT: _clean_amount,
    Kind.OFFICE: _clean_office,
    Kind.USER_ROLE: _clean_user_role,
    Kind.REQUESTED_ID: _clean_requested_id,
}


def _check_dates(values: dict[str, Any], out: _Collector) -> None:
    start, end, contract = values.get("period_start"), values.get("period_end"), values.get("contract_date")
    if start and end:
        if end < start:
            out.error(
                "period_end",
                _("工期（終了日）"),
                _("「工期（終了日）」は工期（開始日）と同じ日か、それより後の日付にしてください。"),
            )
        elif end.year - start.year > MAX_CONSTRUCTION_YEARS:
            out.error(
                "period_end",
                _("工期（終了日）"),
                _("工期が%(years)s年を超えています。日付を確認してください。")
                % {"years": MAX_CONSTRUCTION_YEARS},
            )
    if contract and end and contract > end:
        out.error("contract_date", _("契約日"), _("「契約日」は工期（終了日）より前の日付にしてください。"))


def user_label(position: int, spec_label: str) -> str:
    return _("利用者%(n)sの%(label)s") % {"n": position, "label": spec_label}


def _clean_users(raw_users: Any, out: _Collector) -> list[dict[str, Any]]:
    rows = [row for row in (raw_users or []) if any(_text(row.get(spec.key)) for spec in USER_FIELDS)]
    if not rows:
        out.error("users", _("利用者"), _("利用者を1人以上入力してください。"))
        return []
    if len(rows) > MAX_USERS:
        out.error("users", _("利用者"), _("利用者は%(max)s人までです。") % {"max": MAX_USERS})
        return []
    users: list[dict[str, Any]] = []
    first_by_id: dict[str, int] = {}
    for index, row in enumerate(rows, start=1):
        position = int(row.get("position") or index)
        user: dict[str, Any] = {"position": position}
        for spec in USER_FIELDS:
            path = f"users[{position}].{spec.key}"
            user[spec.key] = _clean_value(
                spec, row.get(spec.key), path=path, label=user_label(position, str(spec.label)), out=out
            )
        requested = user["requested_id"]
        if requested and requested in first_by_id:
            out.error(
                f"users[{position}].requested_id",
                user_label(position, _("希望ID")),
                _("「%(id)s」は利用者%(other)sと同じIDです。別のIDにしてください。")
                % {"id": requested, "other": first_by_id[requested]},
            )
        elif requested:
            first_by_id[requested] = position
        users.append(user)
    if not any(user["role"] == UserRole.SITE_AGENT for user in users):
        out.error("users", _("利用者"), _("利用者のうち1人の役割を「現場代理人」にしてください。"))
    return users


def _clean_supervisor_ids(
    raw_ids: Any, *, office: OrdererOffice | None, required: bool, out: _Collector
) -> list[Supervisor]:
    ids: list[int] = []
    for value in raw_ids or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            out.error("supervisor_ids", _("発注者の監督員"), _("監督員は名簿から選んでください。"))
            return []
    if not ids:
        if required:
            out.error(
                "supervisor_ids", _("発注者の監督員"), _("この工事の監督員を名簿から1人以上選んでください。")
            )
        return []
    if office is None:
        return []
    supervisors = list(Supervisor.objects.filter(pk__in=ids, office=office, active=True).order_by("code"))
    if len(supervisors) != len(set(ids)):
        # A crafted payload naming someone outside the office's directory entries: never accept it.
        out.error(
            "supervisor_ids",
            _("発注者の監督員"),
            _("選ばれた監督員が、指定した発注事務所の名簿にありません。一覧から選び直してください。"),
        )
        return []
    return supervisors


def _clean_stated_supervisors(raw: Any, out: _Collector) -> list[dict[str, str]]:
    stated = []
    titles = {str(label): value for value, label in SupervisorTitle.choices}
    for position, row in enumerate(raw or [], start=1):
        name = _text(row.get("name"))[:60]
        title = _text(row.get("title"))
        for key, text in (("name", name), ("title", title)):
            label = _("監督員%(n)sの%(label)s") % {"n": position, "label": _SUPERVISOR_LABELS[key]}
            refusal = text_refusal(text, label=label)
            if refusal is not None:
                out.error(f"supervisor_names[{position}].{key}", label, refusal)
        if name:
            stated.append({"name": name, "title": titles.get(title, title)[:20]})
    return stated


_SUPERVISOR_LABELS = {spec.key: spec.label for spec in SUPERVISOR_NAME_FIELDS}


def _is_accepted(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value).lower() in ACCEPTED_TERMS_VALUES


# --- Single values, for change requests (changes app): the same cleaners and messages. ---

FieldCollector = _Collector


def clean_value(spec: FieldSpec, value: Any, *, path: str, label: str, out: FieldCollector) -> Any:
    """Clean one value as the application form would; problems go to ``out``."""
    return _clean_value(spec, value, path=path, label=label, out=out)


def check_period(values: dict[str, Any], out: FieldCollector) -> None:
    """The period and contract-date rules of the application form, for a merged set of values."""
    _check_dates(values, out)
