"""The one validator of change requests, shared by my page, the portal, the Excel change form and the API.

Raw shape (strings as typed)::

    {"requester_name": "…", "requester_phone": "…", "requester_email": "…", "reason": "…",
     "items": [{"field": "period_end", "value": "2027-05-31"},
               {"field": "user.email", "target": "tanaka.kqz", "value": "t@example.jp"},
               {"field": "user.add", "value": {"role": …, "name": …, "kana": …, "email": …, "phone": …, "requested_id": …}},
               {"field": "user.replace", "target": "sato.abc", "value": {…}},
               {"field": "user.remove", "target": "sato.abc"},
               {"field": "supervisor.add", "value": 12}, {"field": "supervisor.remove", "target": "7"},
               {"field": "end_of_use", "value": "2027-01-31"},
               {"field": "personal.disclosure", "target": "applicant"}]}

Values are cleaned with the application form's own cleaners (same messages, same normalisation).
Every problem is reported at once; a value equal to the registered one is refused, so a request holds
only what changes.

``registration_hidden`` (the portal, where the filer is not signed in): only checks that do not depend
on the registration are made — how each value is written, the directory, today's date — so an error
never tells an anonymous filer whether a guess about the registration was right (a registered value,
a user ID on the project, the construction period). What is left is for the desk's diff and the
call-back; applying refuses an item that does not fit the registration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from calsreg.accounts.models import Membership, Project, Role
from calsreg.accounts.periods import project_period_errors
from calsreg.applications.models import UserRole
from calsreg.applications.schema import FIELDS_BY_KEY, USER_FIELDS, Kind
from calsreg.applications.validation import FieldCollector, check_period, clean_value
from calsreg.changes.catalog import APPLICANT, FEE_FIELDS, ITEMS, ItemSpec, Target
from calsreg.changes.registration import as_json, project_accounts, registered_value
from calsreg.core import clock
from calsreg.core.errors import ValidationFailed
from calsreg.core.text import text_refusal
from calsreg.core.width import strip_spaces
from calsreg.directory.models import Supervisor

MAX_ITEMS = 50
ACCOUNT_ID_RE = re.compile(r"^[a-z0-9]{3,10}\.[a-z]{3}$")
REASON_MAX = 1000


@dataclass
class ValidItem:
    spec: ItemSpec
    target: str
    before: Any
    after: Any


@dataclass
class ChangeData:
    items: list[ValidItem]
    requester_name: str
    requester_phone: str
    requester_email: str
    reason: str
    notices: list[str] = field(default_factory=list)


def validate_change(
    *, project: Project, raw: dict[str, Any], registration_hidden: bool = False
) -> ChangeData:
    """Validate a raw change request against ``project``'s registration; raise ValidationFailed."""
    out = FieldCollector()
    requester = _requester(raw, out)
    reason = _text(raw.get("reason"))
    refusal = text_refusal(reason, label=_("変更の理由"), multiline=True)
    if refusal is not None:
        out.error("reason", _("変更の理由"), refusal)
    elif len(reason) > REASON_MAX:
        out.error(
            "reason",
            _("変更の理由"),
            _("「変更の理由」は%(max)s文字以内で入力してください。") % {"max": REASON_MAX},
        )
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not [row for row in raw_items if _present(row)]:
        out.error("items", _("変更する項目"), _("変更する項目を1つ以上入力してください。"))
        raise ValidationFailed(errors=out.errors)
    rows = [row for row in raw_items if _present(row)]
    if len(rows) > MAX_ITEMS:
        out.error("items", _("変更する項目"), _("変更する項目は%(max)s件までです。") % {"max": MAX_ITEMS})
        raise ValidationFailed(errors=out.errors)
    checker = _ItemChecker(project=project, out=out, hidden=registration_hidden)
    items = [item for index, row in enumerate(rows, start=1) if (item := checker.item(index, row))]
    checker.check_whole(items)
    if out.errors:
        raise ValidationFailed(errors=out.errors)
    return ChangeData(items=items, reason=reason, notices=out.notices, **requester)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return strip_spaces(str(value))


def _present(row: Any) -> bool:
    return isinstance(row, dict) and bool(_text(row.get("field")))


def _requester(raw: dict[str, Any], out: FieldCollector) -> dict[str, str]:
    name_spec, phone_spec, email_spec = (
        FIELDS_BY_KEY["applicant_name"],
        FIELDS_BY_KEY["applicant_phone"],
        FIELDS_BY_KEY["applicant_email"],
    )
    name = clean_value(
        name_spec, raw.get("requester_name"), path="requester_name", label=_("申込者氏名"), out=out
    )
    phone = _optional(phone_spec, raw.get("requester_phone"), "requester_phone", _("申込者の電話番号"), out)
    email = _optional(
        email_spec, raw.get("requester_email"), "requester_email", _("申込者のメールアドレス"), out
    )
    return {"requester_name": name or "", "requester_phone": phone or "", "requester_email": email or ""}


def _optional(spec: Any, value: Any, path: str, label: str, out: FieldCollector) -> Any:
    if not _text(value):
        return ""
    return clean_value(spec, value, path=path, label=label, out=out)


class _ItemChecker:
    def __init__(self, *, project: Project, out: FieldCollector, hidden: bool) -> None:
        self.project = project
        self.out = out
        self.hidden = hidden
        self.accounts = project_accounts(project)
        self.seen: dict[tuple[str, str], int] = {}

    def error(self, index: int, part: str, label: str, message: str) -> None:
        self.out.error(f"items[{index}].{part}", label, message)

    def item(self, index: int, row: dict[str, Any]) -> ValidItem | None:
        name = _text(row.get("field"))
        spec = ITEMS.get(name)
        if spec is None:
            self.error(
                index,
                "field",
                _("変更%(n)sの項目") % {"n": index},
                _("変更する項目を一覧から選んでください。"),
            )
            return None
        label = _("変更%(n)s（%(item)s）") % {"n": index, "item": spec.label}
        target = self._target(index, spec, _text(row.get("target")), label)
        if target is None:
            return None
        key = (spec.field, target)
        if key in self.seen:
            self.error(
                index,
                "field",
                label,
                _("同じ項目が変更%(other)sにもあります。1つにまとめてください。") % {"other": self.seen[key]},
            )
            return None
        self.seen[key] = index
        after = self._value(index, spec, target, row.get("value"), label)
        if after is _INVALID:
            return None
        before = registered_value(project=self.project, item=spec, target=target, accounts=self.accounts)
        if spec.spec is not None and before == after and not self.hidden:
            self.error(
                index,
                "value",
                label,
                _("「%(label)s」は登録内容と同じです。変更する項目だけを入力してください。")
                % {"label": spec.label},
            )
            return None
        return ValidItem(spec=spec, target=target, before=before, after=after)

    def _target(self, index: int, spec: ItemSpec, target: str, label: str) -> str | None:
        if spec.target == Target.NONE:
            return ""
        if self.hidden and spec.target in {Target.ACCOUNT, Target.PERSON}:
            if (target == APPLICANT and spec.target == Target.PERSON) or ACCOUNT_ID_RE.match(target.lower()):
                return target if target == APPLICANT else target.lower()
            self.error(index, "target", label, _("対象の利用者IDを「tanaka.kqz」の形で入力してください。"))
            return None
        if spec.target == Target.ACCOUNT:
            if target.lower() in self.accounts:
                return target.lower()
            self.error(
                index,
                "target",
                label,
                _("対象の利用者IDを、この工事の利用者から選んでください（例: tanaka.kqz）。"),
            )
            return None
        if spec.target == Target.PERSON:
            if target == APPLICANT or target.lower() in self.accounts:
                return target if target == APPLICANT else target.lower()
            self.error(
                index, "target", label, _("対象者を、申込担当者またはこの工事の利用者から選んでください。")
            )
            return None
        supervisor_id = _int(target)
        if self.hidden:  # the directory is public; who supervises this project is not
            known = Supervisor.objects.filter(pk=supervisor_id or 0, office_id=self.project.office_id)
            if supervisor_id is not None and known.exists():
                return str(supervisor_id)
            self.error(index, "target", label, _("削除する監督員を名簿から選んでください。"))
            return None
        # A supervisor on this project (by directory id).
        members = Membership.objects.filter(
            project=self.project,
            active=True,
            user__role=Role.SUPERVISOR,
            user__supervisor_id=supervisor_id or 0,
        )
        if supervisor_id is None or not members.exists():
            self.error(index, "target", label, _("削除する監督員を、この工事の監督員から選んでください。"))
            return None
        return str(supervisor_id)

    def _value(self, index: int, spec: ItemSpec, target: str, value: Any, label: str) -> Any:
        path = f"items[{index}].value"
        errors_before = len(self.out.errors)
        result: Any
        if spec.spec is not None:
            if spec.spec.kind in {Kind.OFFICE}:
                result = _INVALID
            elif not _text(value) and not spec.spec.required:
                result = ""
            else:
                result = as_json(clean_value(spec.spec, value, path=path, label=label, out=self.out))
        elif spec.field in {"user.add", "user.replace"}:
            result = self._person(index, value, label)
        elif spec.field == "supervisor.add":
            result = self._supervisor(index, value, label)
        elif spec.field == "end_of_use":
            result = as_json(
                clean_value(FIELDS_BY_KEY["period_end"], value, path=path, label=label, out=self.out)
            )
        else:  # removals and personal-data requests carry no value
            result = None
        return _INVALID if len(self.out.errors) > errors_before else result

    def _person(self, index: int, value: Any, label: str) -> Any:
        if not isinstance(value, dict):
            self.error(index, "value", label, _("追加する利用者の氏名・連絡先・希望IDを入力してください。"))
            return _INVALID
        person: dict[str, Any] = {}
        for user_spec in USER_FIELDS:
            person[user_spec.key] = clean_value(
                user_spec,
                value.get(user_spec.key),
                path=f"items[{index}].value.{user_spec.key}",
                label=_("変更%(n)sの%(label)s") % {"n": index, "label": user_spec.label},
                out=self.out,
            )
        return person

    def _supervisor(self, index: int, value: Any, label: str) -> Any:
        supervisor_id = _int(value)
        supervisor = (
            Supervisor.objects.filter(pk=supervisor_id, office_id=self.project.office_id, active=True).first()
            if supervisor_id is not None
            else None
        )
        if supervisor is None:
            self.error(
                index, "value", label, _("追加する監督員は、この工事の発注事務所の名簿から選んでください。")
            )
            return _INVALID
        already = Membership.objects.filter(project=self.project, active=True, user__supervisor=supervisor)
        if not self.hidden and already.exists():
            self.error(
                index, "value", label, _("%(name)sはすでにこの工事の監督員です。") % {"name": supervisor.name}
            )
            return _INVALID
        return supervisor.pk

    def check_whole(self, items: list[ValidItem]) -> None:
        """Rules across items: the period as changed, the early end within it, IDs and site agents."""
        fields = {item.spec.field: item for item in items}
        if self.hidden:
            self._check_hidden(fields)
            self._check_requested_ids(items)
            return
        end = fields.get("end_of_use")
        if FEE_FIELDS & fields.keys():
            before = len(self.out.errors)
            # The project's own period rules, also against an early end already set (unless this
            # request sets a new one, checked below): the same rules apply checks again.
            self.out.errors.extend(
                project_period_errors(
                    project=self.project,
                    period_start=_date(fields.get("period_start"), self.project.period_start),
                    period_end=_date(fields.get("period_end"), self.project.period_end),
                    early_end=end is None,
                )
            )
            self._errors_to_items(before)
        if end is not None:
            start = _date(fields.get("period_start"), self.project.period_start)
            finish = _date(fields.get("period_end"), self.project.period_end)
            ends_on = date.fromisoformat(end.after)
            index = self.seen[("end_of_use", "")]
            if not start <= ends_on <= finish or ends_on < clock.today():
                self.error(
                    index,
                    "value",
                    _("利用終了日"),
                    _("利用終了日は、今日以降で工期（%(start)s〜%(end)s）の中の日付にしてください。")
                    % {"start": start.isoformat(), "end": finish.isoformat()},
                )
        self._check_people(items)

    def _check_hidden(self, fields: dict[str, ValidItem]) -> None:
        """The rules that do not reveal the registration: a period given whole, an end not past."""
        if "period_start" in fields and "period_end" in fields:
            before = len(self.out.errors)
            check_period(
                {
                    "period_start": _date(fields["period_start"], date.min),
                    "period_end": _date(fields["period_end"], date.min),
                },
                self.out,
            )
            self._errors_to_items(before)
        end = fields.get("end_of_use")
        if end is not None and date.fromisoformat(end.after) < clock.today():
            self.error(
                self.seen[("end_of_use", "")],
                "value",
                _("利用終了日"),
                _("利用終了日は今日以降の日付にしてください。"),
            )

    def _errors_to_items(self, first: int) -> None:
        """check_period names the application's fields; point its errors at the request's items."""
        for position in range(first, len(self.out.errors)):
            error = self.out.errors[position]
            item_index = self.seen.get((error.field, ""), 0)
            if item_index:
                self.out.errors[position] = type(error)(
                    field=f"items[{item_index}].value", label=error.label, message=error.message
                )

    def _check_requested_ids(self, items: list[ValidItem]) -> None:
        ids: dict[str, int] = {}
        for item in items:
            if item.spec.field not in {"user.add", "user.replace"}:
                continue
            requested = item.after["requested_id"]
            index = self.seen[(item.spec.field, item.target)]
            if requested in ids:
                self.error(
                    index,
                    "value.requested_id",
                    _("希望ID"),
                    _("「%(id)s」は変更%(other)sと同じ希望IDです。別のIDにしてください。")
                    % {"id": requested, "other": ids[requested]},
                )
            ids[requested] = index

    def _check_people(self, items: list[ValidItem]) -> None:
        self._check_requested_ids(items)
        added = [item for item in items if item.spec.field in {"user.add", "user.replace"}]
        leaving = {
            item.target
            for item in items
            if item.spec.field in {"user.remove", "user.replace", "personal.deletion"}
        }
        staying = [user for username, user in self.accounts.items() if username not in leaving]
        if leaving and not staying and not added:
            index = min(self.seen[(item.spec.field, item.target)] for item in items if item.target in leaving)
            self.error(
                index,
                "target",
                _("利用者"),
                _("工事の利用者が1人もいなくなります。交代する利用者を同じ申込で追加してください。"),
            )
        agents = set(
            Membership.objects.filter(
                project=self.project, active=True, role=UserRole.SITE_AGENT
            ).values_list("user__username", flat=True)
        )
        site_agents = [
            username for username in self.accounts if username in agents and username not in leaving
        ]
        if (
            leaving
            and not site_agents
            and not any(item.after["role"] == UserRole.SITE_AGENT for item in added)
        ):
            index = min(self.seen[(item.spec.field, item.target)] for item in items if item.target in leaving)
            self.error(
                index,
                "target",
                _("利用者"),
                _("現場代理人がいなくなります。新しい現場代理人を同じ申込で追加（交代）してください。"),
            )


_INVALID = object()


def _int(value: Any) -> int | None:
    try:
        return int(_text(value))
    except (TypeError, ValueError):
        return None


def _date(item: ValidItem | None, default: date) -> date:
    return date.fromisoformat(item.after) if item is not None else default
