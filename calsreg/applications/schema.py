"""The one application schema.

It drives the generated Excel workbook (one defined name per field), the web form (rendered from these
specs), the workbook reader (reads the defined names), the API body and the validation messages.
Adding a field here adds it everywhere; nothing else lists the fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Bump when the workbook layout changes; a workbook of another version is refused.
FORM_VERSION = "CALSREG-APP-2026.1"
# Rows for users in the workbook and the web form's initial rows (the API accepts up to MAX_USERS).
WORKBOOK_USER_SLOTS = 10
MAX_USERS = 30
# Rows for supervisors' names typed on the workbook (matched to the directory by the desk).
WORKBOOK_SUPERVISOR_SLOTS = 3


class Kind(StrEnum):
    TEXT = "text"
    KANA = "kana"
    EMAIL = "email"
    PHONE = "phone"
    POSTCODE = "postcode"
    DATE = "date"
    AMOUNT = "amount"
    OFFICE = "office"
    USER_ROLE = "user_role"
    REQUESTED_ID = "requested_id"
    SUPERVISOR_TITLE = "supervisor_title"


class Section(StrEnum):
    PROJECT = "project"
    CONTRACTOR = "contractor"
    APPLICANT = "applicant"
    USERS = "users"
    SUPERVISORS = "supervisors"
    BILLING = "billing"
    TERMS = "terms"


SECTION_LABELS: dict[Section, Promise] = {
    Section.PROJECT: _("工事情報"),
    Section.CONTRACTOR: _("受注者情報"),
    Section.APPLICANT: _("申込担当者（連絡先）"),
    Section.USERS: _("利用者"),
    Section.SUPERVISORS: _("発注者の監督員"),
    Section.BILLING: _("請求書送付先"),
    Section.TERMS: _("利用規約"),
}


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Promise
    section: Section
    kind: Kind = Kind.TEXT
    required: bool = True
    max_length: int = 100
    help: Promise | str = ""
    example: str = ""

    @property
    def defined_name(self) -> str:
        """The workbook's defined name for this field."""
        return f"F_{self.key}"


F = FieldSpec
FIELDS: tuple[FieldSpec, ...] = (
    # 工事情報
    F("office", _("発注事務所"), Section.PROJECT, Kind.OFFICE, help=_("一覧から選んでください。")),
    F("project_number", _("工事番号"), Section.PROJECT, max_length=40, example="R8-新潟-土木-0123"),
    F("project_name", _("工事名"), Section.PROJECT, max_length=200, example="〇〇川護岸設置工事"),
    F("project_location", _("工事場所"), Section.PROJECT, max_length=200, example="新潟市中央区〇〇町地内"),
    F("period_start", _("工期（開始日）"), Section.PROJECT, Kind.DATE, help=_("例: 2026-12-01")),
    F("period_end", _("工期（終了日）"), Section.PROJECT, Kind.DATE, help=_("例: 2027-03-19")),
    F(
        "contract_amount",
        _("請負金額（円・税込）"),
        Section.PROJECT,
        Kind.AMOUNT,
        help=_("半角数字。例: 48400000"),
    ),
    F("contract_date", _("契約日"), Section.PROJECT, Kind.DATE),
    # 受注者情報
    F("contractor_name", _("会社名"), Section.CONTRACTOR, max_length=100, example="株式会社〇〇建設"),
    F(
        "contractor_kana",
        _("会社名（フリガナ）"),
        Section.CONTRACTOR,
        Kind.KANA,
        example="カブシキガイシャマルマルケンセツ",
    ),
    F("contractor_representative", _("代表者氏名"), Section.CONTRACTOR, max_length=60),
    F("contractor_postcode", _("郵便番号"), Section.CONTRACTOR, Kind.POSTCODE, max_length=10),
    F("contractor_address", _("住所"), Section.CONTRACTOR, max_length=200),
    F("contractor_phone", _("電話番号"), Section.CONTRACTOR, Kind.PHONE, max_length=20),
    # 申込担当者: the phone number on file for later call-backs (seed step 8)
    F("applicant_name", _("担当者氏名"), Section.APPLICANT, max_length=60),
    F("applicant_kana", _("担当者氏名（フリガナ）"), Section.APPLICANT, Kind.KANA, max_length=60),
    F("applicant_email", _("メールアドレス"), Section.APPLICANT, Kind.EMAIL, max_length=254),
    F(
        "applicant_phone",
        _("電話番号"),
        Section.APPLICANT,
        Kind.PHONE,
        max_length=20,
        help=_("変更申込の際、本人確認のためこの番号へお電話します。"),
    ),
    # 請求書送付先
    F("billing_addressee", _("宛名"), Section.BILLING, max_length=100),
    F("billing_department", _("部署名"), Section.BILLING, required=False, max_length=100),
    F("billing_postcode", _("郵便番号"), Section.BILLING, Kind.POSTCODE, max_length=10),
    F("billing_address", _("住所"), Section.BILLING, max_length=200),
    F("billing_phone", _("電話番号"), Section.BILLING, Kind.PHONE, max_length=20),
)

USER_FIELDS: tuple[FieldSpec, ...] = (
    F("role", _("役割"), Section.USERS, Kind.USER_ROLE),
    F("name", _("氏名"), Section.USERS, max_length=60),
    F("kana", _("氏名（フリガナ）"), Section.USERS, Kind.KANA, max_length=60),
    F("email", _("メールアドレス"), Section.USERS, Kind.EMAIL, max_length=254),
    F("phone", _("電話番号"), Section.USERS, Kind.PHONE, max_length=20),
    F(
        "requested_id",
        _("希望ID"),
        Section.USERS,
        Kind.REQUESTED_ID,
        max_length=10,
        help=_("半角英数字3〜10文字。登録時に「.」と3文字が付きます（例: tanaka → tanaka.kqz）。"),
    ),
)

# Supervisors typed on the workbook: names only; never used as contacts.
SUPERVISOR_NAME_FIELDS: tuple[FieldSpec, ...] = (
    F("name", _("監督員氏名"), Section.SUPERVISORS, max_length=60, required=False),
    F("title", _("役職"), Section.SUPERVISORS, Kind.SUPERVISOR_TITLE, required=False),
)

TERMS_FIELD = F("terms_accepted", _("利用規約への同意"), Section.TERMS)

FIELDS_BY_KEY = {spec.key: spec for spec in FIELDS}
USER_FIELDS_BY_KEY = {spec.key: spec for spec in USER_FIELDS}


def user_defined_name(slot: int, key: str) -> str:
    """Defined name of user ``slot`` (1-based) field ``key`` in the workbook: ``U01_requested_id``."""
    return f"U{slot:02d}_{key}"


def supervisor_defined_name(slot: int, key: str) -> str:
    return f"S{slot:02d}_{key}"


def fields_in(section: Section) -> tuple[FieldSpec, ...]:
    return tuple(spec for spec in FIELDS if spec.section == section)
