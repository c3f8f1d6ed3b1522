"""Change forms: what the templates show — each registered value beside its input, with the errors
tied to it for screen readers (my page), and the portal's generic rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from calsreg.accounts.models import Project
from calsreg.applications.models import Application, UserRole
from calsreg.applications.schema import FIELDS_BY_KEY, USER_FIELDS, USER_FIELDS_BY_KEY, FieldSpec, Kind
from calsreg.changes.catalog import ITEMS, Store
from calsreg.changes.models import ChangeKind
from calsreg.changes.selectors import UserOnFile
from calsreg.directory.models import OrdererOffice, Supervisor
from calsreg.portal.change.forms.payload import (
    ACCOUNT_KEYS,
    DELETION,
    DISCLOSURE,
    FEE_INPUTS,
    SINGLE_SECTIONS,
    SUPERVISOR_ADD,
    SUPERVISOR_REMOVE,
    USER_REMOVE,
    account_input,
    check_id,
    clear_name,
    new_name,
    person_input,
    row_input,
    single_items,
)
from calsreg.portal.webform import Widget, widget_for

# --- my page --------------------------------------------------------------------------------------


@dataclass
class Input:
    """One input with its label, value, help and errors (ids tie them together for screen readers)."""

    name: str
    label: str
    value: Any = ""
    errors: list[str] = field(default_factory=list)
    help: str = ""
    widget: Widget = field(default_factory=Widget)
    choices: list[tuple[str, str]] = field(default_factory=list)
    groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    css: str = ""
    required: bool = False

    @property
    def html_id(self) -> str:
        return self.name

    @property
    def described_by(self) -> str:
        ids = [f"{self.html_id}-help"] if self.help else []
        if self.errors:
            ids.append(f"{self.html_id}-error")
        return " ".join(ids)


@dataclass
class Check:
    """One checkbox of a list (a user or supervisor to remove or add, a person for a data request)."""

    name: str
    value: str
    label: str
    checked: bool
    errors: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def html_id(self) -> str:
        return check_id(self.name, self.value)


@dataclass
class Row:
    """A registered value beside the input for its new value."""

    label: str
    current: Any
    kind: str
    input: Input
    clear: Check | None = None


@dataclass
class UserBlock:
    user: UserOnFile
    rows: list[Row]
    remove: Check


@dataclass
class PersonRow:
    number: int
    replaces: Input
    inputs: list[Input]


@dataclass
class Section:
    key: str
    legend: str
    rows: list[Row]


def _input(spec: FieldSpec, name: str, label: str, post: Any, by_input: dict[str, list[str]]) -> Input:
    return Input(
        name=name,
        label=label,
        value=post.get(name, "") if post is not None else "",
        errors=by_input.get(name, []),
        widget=widget_for(spec) if spec.kind != Kind.USER_ROLE else Widget(),
        choices=role_choices() if spec.kind == Kind.USER_ROLE else [],
    )


def role_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in UserRole.choices]


def _checks(
    name: str, options: list[tuple[str, str, str]], post: Any, by_input: dict[str, list[str]]
) -> list[Check]:
    chosen = set(post.getlist(name)) if post is not None else set()
    return [
        Check(name, value, label, value in chosen, by_input.get(check_id(name, value), []), detail)
        for value, label, detail in options
    ]


def sections(
    *, project: Project, application: Application, post: Any, by_input: dict[str, list[str]]
) -> list[Section]:
    """The single-value sections of my page: each registered value with its 変更後 input."""
    out = []
    for kind in SINGLE_SECTIONS:
        rows = []
        for item in single_items(kind):
            assert item.spec is not None
            source: Any = project if item.store == Store.PROJECT else application
            name = new_name(item.field)
            input_ = _input(item.spec, name, _("%(label)s（変更後）") % {"label": item.label}, post, by_input)
            if item.field in FEE_INPUTS:
                input_.css = "fee-input"
            clear = None
            if not item.spec.required:
                checked = bool(post is not None and post.get(clear_name(item.field)))
                clear = Check(clear_name(item.field), "1", _("空欄にする"), checked)
            rows.append(Row(str(item.label), getattr(source, item.attribute), item.spec.kind, input_, clear))
        out.append(Section(str(kind), str(ChangeKind(kind).label), rows))
    return out


def user_blocks(*, users: list[UserOnFile], post: Any, by_input: dict[str, list[str]]) -> list[UserBlock]:
    blocks = []
    removed = set(post.getlist(USER_REMOVE)) if post is not None else set()
    for user in users:
        rows = []
        for key in ACCOUNT_KEYS:
            spec = USER_FIELDS_BY_KEY[key]
            name = account_input(user.username, key)
            label = _("%(id)sの%(label)s（変更後）") % {"id": user.username, "label": spec.label}
            rows.append(
                Row(str(spec.label), getattr(user, key), spec.kind, _input(spec, name, label, post, by_input))
            )
        remove = Check(
            USER_REMOVE,
            user.username,
            _("%(id)sを削除する") % {"id": user.username},
            user.username in removed,
            by_input.get(check_id(USER_REMOVE, user.username), []),
        )
        blocks.append(UserBlock(user, rows, remove))
    return blocks


def person_rows(
    *, count: int, users: list[UserOnFile], post: Any, by_input: dict[str, list[str]]
) -> list[PersonRow]:
    replace_choices = [(u.username, f"{u.username} {u.name}（{u.role_label}）") for u in users]
    rows = []
    for number in range(1, count + 1):
        replaces_name = person_input(number, "replaces")
        replaces = Input(
            name=replaces_name,
            label=_("追加する利用者%(n)s：交代する利用者") % {"n": number},
            value=post.get(replaces_name, "") if post is not None else "",
            errors=by_input.get(replaces_name, []),
            choices=replace_choices,
        )
        inputs = [
            _input(
                spec,
                person_input(number, spec.key),
                _("追加する利用者%(n)s：%(label)s") % {"n": number, "label": spec.label},
                post,
                by_input,
            )
            for spec in USER_FIELDS
        ]
        rows.append(PersonRow(number, replaces, inputs))
    return rows


def supervisor_checks(
    *, current: list[Supervisor], candidates: list[Supervisor], post: Any, by_input: dict[str, list[str]]
) -> tuple[list[Check], list[Check]]:
    def options(supervisors: list[Supervisor]) -> list[tuple[str, str, str]]:
        return [(str(s.pk), s.name, str(s.get_title_display())) for s in supervisors]

    return (
        _checks(SUPERVISOR_REMOVE, options(current), post, by_input),
        _checks(SUPERVISOR_ADD, options(candidates), post, by_input),
    )


def person_checks(
    *, persons: list[tuple[str, str]], post: Any, by_input: dict[str, list[str]]
) -> tuple[list[Check], list[Check]]:
    options = [(key, label, "") for key, label in persons]
    return _checks(DISCLOSURE, options, post, by_input), _checks(DELETION, options, post, by_input)


def end_row(*, project: Project, post: Any, by_input: dict[str, list[str]]) -> Row:
    name = new_name("end_of_use")
    input_ = _input(FIELDS_BY_KEY["period_end"], name, str(ITEMS["end_of_use"].label), post, by_input)
    input_.help = _("工期の途中で利用を終える場合に、最終利用日を入力してください。")
    return Row(str(ITEMS["end_of_use"].label), project.last_day_of_use, Kind.DATE, input_)


def requester_inputs(*, initial: dict[str, str], post: Any, by_input: dict[str, list[str]]) -> list[Input]:
    labels = {
        "requester_name": (_("申込者氏名"), FIELDS_BY_KEY["applicant_name"]),
        "requester_phone": (_("申込者の電話番号"), FIELDS_BY_KEY["applicant_phone"]),
        "requester_email": (_("申込者のメールアドレス"), FIELDS_BY_KEY["applicant_email"]),
    }
    inputs = []
    for key, (label, spec) in labels.items():
        value = post.get(key, "") if post is not None else initial.get(key, "")
        inputs.append(
            Input(name=key, label=label, value=value, errors=by_input.get(key, []), widget=widget_for(spec))
        )
    inputs[0].required = True
    inputs[1].help = _("本人確認のお電話は、この番号ではなく、すでに登録されている電話番号へおかけします。")
    return inputs


def reason_input(*, post: Any, by_input: dict[str, list[str]]) -> Input:
    return Input(
        name="reason",
        label=_("変更の理由"),
        value=post.get("reason", "") if post is not None else "",
        errors=by_input.get("reason", []),
        help=_("任意。監督員の異動、工期の延長など。"),
    )


# --- the portal's generic rows -----------------------------------------------------------------------


@dataclass
class PortalRow:
    number: int
    field: Input
    target: Input
    supervisor: Input
    value: Input
    person: list[Input]

    @property
    def person_open(self) -> bool:
        return any(str(field.value).strip() or field.errors for field in self.person)


def item_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every item of the catalog, grouped by kind, for the portal's item drop-down."""
    return [
        (str(kind.label), [(item.field, str(item.label)) for item in ITEMS.values() if item.kind == kind])
        for kind in ChangeKind
    ]


def supervisor_groups(offices: list[OrdererOffice]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Directory supervisors by office (names and titles only, as on the public application form)."""
    return [
        (office.name, [(str(s.pk), f"{s.name}（{s.get_title_display()}）") for s in office.supervisors.all()])
        for office in offices
    ]


def portal_rows(
    *, count: int, offices: list[OrdererOffice], post: Any, by_input: dict[str, list[str]]
) -> list[PortalRow]:
    items, supervisors = item_groups(), supervisor_groups(offices)
    rows = []
    for number in range(1, count + 1):

        def bound(key: str, label: str, help_text: str = "", number: int = number) -> Input:
            name = row_input(number, key)
            value = post.get(name, "") if post is not None else ""
            return Input(name=name, label=label, value=value, errors=by_input.get(name, []), help=help_text)

        field_input = bound("field", _("変更%(n)s：変更する項目") % {"n": number})
        field_input.groups = items
        supervisor = bound(
            "supervisor", _("変更%(n)s：監督員（名簿から）") % {"n": number}, _("監督員の追加・削除のとき。")
        )
        supervisor.groups = supervisors
        person = [
            _input(
                spec,
                row_input(number, f"person-{spec.key}"),
                _("変更%(n)s：%(label)s") % {"n": number, "label": spec.label},
                post,
                by_input,
            )
            for spec in USER_FIELDS
        ]
        rows.append(
            PortalRow(
                number=number,
                field=field_input,
                target=bound(
                    "target",
                    _("変更%(n)s：対象の利用者ID") % {"n": number},
                    _("利用者の訂正・削除・交代、個人データの開示・削除のとき。申込担当者は applicant。"),
                ),
                supervisor=supervisor,
                value=bound("value", _("変更%(n)s：変更後の内容") % {"n": number}),
                person=person,
            )
        )
    return rows
