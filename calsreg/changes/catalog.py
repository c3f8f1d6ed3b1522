"""What a change request can change: one entry per item ``field``.

The catalog is the single description shared by validation, the desk's diff, the Excel change form,
the web form and the API. Field specs (labels, kinds, lengths) come from the application schema, so a
change is validated with the same rules and messages as an application.

Where the current value lives:
- project data (name, location, period, amount) on ``accounts.Project``;
- contractor, applicant (申込担当者) and billing-address details on the project's ``Application``,
  which stays the registration record for them (the original form is kept as evidence);
- a user's name, kana, e-mail and phone on the account (``accounts.User``).

Whose data each item is (``person_concerned``) decides who must confirm it on the call-back
(本人確認, seed step 8): a user's own contact details and personal-data requests about a user are that
user's; everything else — the applicant's contact, the project, the contractor, billing, users and
supervisors added or removed, an early end — is the 申込担当者's on file, who answers for the
registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from calsreg.accounts.services.details import PROJECT_DETAIL_FIELDS
from calsreg.applications.schema import FIELDS_BY_KEY, USER_FIELDS_BY_KEY, FieldSpec
from calsreg.changes.models import ChangeKind


class Target(StrEnum):
    """What an item's ``target`` names."""

    NONE = "none"  # the project or its registration
    ACCOUNT = "account"  # a contractor user's account ID on this project
    SUPERVISOR = "supervisor"  # a directory supervisor's id
    PERSON = "person"  # "applicant" or an account ID (personal-data requests)


class Concerns(StrEnum):
    """Whose data an item changes: the one person whose call-back can confirm it."""

    APPLICANT = "applicant"  # the 申込担当者 on file (the registration as a whole)
    TARGET = "target"  # the person the item's ``target`` names (an account ID, or "applicant")


class Store(StrEnum):
    """Where the registered value is read and written."""

    PROJECT = "project"
    APPLICATION = "application"
    ACCOUNT = "account"
    NONE = "none"  # no stored value: an action (add, remove, end, disclose, delete)


@dataclass(frozen=True)
class ItemSpec:
    field: str
    kind: ChangeKind
    label: Promise
    target: Target = Target.NONE
    store: Store = Store.NONE
    attribute: str = ""  # the model attribute in ``store``
    spec: FieldSpec | None = None  # the application schema's spec for a single value
    personal: bool = False  # personal data (corrections under the personal-information law)
    concerns: Concerns = Concerns.APPLICANT


def _lazy_format(pattern: Promise, **params: Promise) -> Promise:
    """``pattern % params`` translated when shown, not when this module is imported."""
    formatted = lazy(lambda: str(pattern) % {key: str(value) for key, value in params.items()}, str)()
    return cast(Promise, formatted)


def _project(field: str) -> ItemSpec:
    spec = FIELDS_BY_KEY[field]
    attribute = PROJECT_DETAIL_FIELDS[field]  # the project's attribute, as accounts maps it
    return ItemSpec(
        field, ChangeKind.PROJECT, spec.label, store=Store.PROJECT, attribute=attribute, spec=spec
    )


def _registration(field: str, kind: ChangeKind, *, personal: bool, prefix: Promise) -> ItemSpec:
    spec = FIELDS_BY_KEY[field]
    label = _lazy_format(_("%(section)s：%(label)s"), section=prefix, label=spec.label)
    return ItemSpec(
        field, kind, label, store=Store.APPLICATION, attribute=field, spec=spec, personal=personal
    )


def _account(field: str, attribute: str) -> ItemSpec:
    spec = USER_FIELDS_BY_KEY[field.removeprefix("user.")]
    label = _lazy_format(_("利用者の%(label)s"), label=spec.label)
    return ItemSpec(
        field,
        ChangeKind.CONTACT,
        label,
        target=Target.ACCOUNT,
        store=Store.ACCOUNT,
        attribute=attribute,
        spec=spec,
        personal=True,
        concerns=Concerns.TARGET,
    )


_CONTRACTOR = _("受注者")
_APPLICANT = _("申込担当者")
_BILLING = _("請求書送付先")

_ALL: tuple[ItemSpec, ...] = (
    # 工事情報・工事名
    _project("project_name"),
    _project("project_location"),
    _project("period_start"),
    _project("period_end"),
    _project("contract_amount"),
    # 受注者・申込担当者（連絡先・個人情報の訂正）
    _registration("contractor_name", ChangeKind.CONTACT, personal=False, prefix=_CONTRACTOR),
    _registration("contractor_kana", ChangeKind.CONTACT, personal=False, prefix=_CONTRACTOR),
    _registration("contractor_representative", ChangeKind.CONTACT, personal=True, prefix=_CONTRACTOR),
    _registration("contractor_postcode", ChangeKind.CONTACT, personal=False, prefix=_CONTRACTOR),
    _registration("contractor_address", ChangeKind.CONTACT, personal=False, prefix=_CONTRACTOR),
    _registration("contractor_phone", ChangeKind.CONTACT, personal=False, prefix=_CONTRACTOR),
    _registration("applicant_name", ChangeKind.CONTACT, personal=True, prefix=_APPLICANT),
    _registration("applicant_kana", ChangeKind.CONTACT, personal=True, prefix=_APPLICANT),
    _registration("applicant_email", ChangeKind.CONTACT, personal=True, prefix=_APPLICANT),
    _registration("applicant_phone", ChangeKind.CONTACT, personal=True, prefix=_APPLICANT),
    # 請求書送付先
    _registration("billing_addressee", ChangeKind.BILLING_ADDRESS, personal=False, prefix=_BILLING),
    _registration("billing_department", ChangeKind.BILLING_ADDRESS, personal=False, prefix=_BILLING),
    _registration("billing_postcode", ChangeKind.BILLING_ADDRESS, personal=False, prefix=_BILLING),
    _registration("billing_address", ChangeKind.BILLING_ADDRESS, personal=False, prefix=_BILLING),
    _registration("billing_phone", ChangeKind.BILLING_ADDRESS, personal=False, prefix=_BILLING),
    # 利用者の連絡先・氏名の訂正
    _account("user.name", "display_name"),
    _account("user.kana", "kana"),
    _account("user.email", "email"),
    _account("user.phone", "phone"),
    # 利用者の追加・削除・交代（現場代理人の交代など）
    ItemSpec("user.add", ChangeKind.USERS, _("利用者の追加")),
    ItemSpec("user.remove", ChangeKind.USERS, _("利用者の削除"), target=Target.ACCOUNT),
    ItemSpec("user.replace", ChangeKind.USERS, _("利用者の交代"), target=Target.ACCOUNT),
    # 監督員の変更
    ItemSpec("supervisor.add", ChangeKind.SUPERVISOR, _("監督員の追加（名簿から）")),
    ItemSpec("supervisor.remove", ChangeKind.SUPERVISOR, _("監督員の削除"), target=Target.SUPERVISOR),
    # 利用の早期終了
    ItemSpec("end_of_use", ChangeKind.EARLY_END, _("利用終了日（早期終了）")),
    # 個人データの開示・削除
    ItemSpec(
        "personal.disclosure",
        ChangeKind.DISCLOSURE,
        _("保有個人データの開示"),
        target=Target.PERSON,
        personal=True,
        concerns=Concerns.TARGET,
    ),
    ItemSpec(
        "personal.deletion",
        ChangeKind.DELETION,
        _("個人データの削除"),
        target=Target.PERSON,
        personal=True,
        concerns=Concerns.TARGET,
    ),
)

ITEMS: dict[str, ItemSpec] = {item.field: item for item in _ALL}

# Items whose new value is an e-mail address: applying one tells the old and the new address, and a
# request with one that is denied on the call-back tells the old address of the attempt.
EMAIL_FIELDS = frozenset({"applicant_email", "user.email"})
# Items that can change the fee (billing.fee_impact / fee_change_settle).
FEE_FIELDS = frozenset({"period_start", "period_end", "contract_amount"})
APPLICANT = "applicant"  # the ``target`` naming the 申込担当者 in personal-data items
# Kinds whose items are about people: their before/after values are a person's, whole.
PERSONAL_KINDS = frozenset({ChangeKind.USERS, ChangeKind.DISCLOSURE, ChangeKind.DELETION})


def item_spec(field: str) -> ItemSpec | None:
    return ITEMS.get(field)


def person_concerned(*, field: str, target: str) -> str:
    """The person whose data an item changes, as a contact key: "applicant" or an account ID.

    Only a positive call-back to this person, at their number on file, confirms the item; a call to
    the filer or to anyone else confirms nothing of it.
    """
    # An item about someone with no target names nobody, so nobody can confirm it (never the applicant).
    return target if ITEMS[field].concerns == Concerns.TARGET else APPLICANT


def item_is_personal(kind: str, field: str) -> bool:
    """Whether a change item's before/after are a person's values (the catalog says; else its kind)."""
    spec = item_spec(field)
    if spec is not None:
        return spec.personal or spec.kind in PERSONAL_KINDS
    return kind in PERSONAL_KINDS or kind == ChangeKind.CONTACT
