"""Change forms: ``request.POST`` → the raw payload of ``changes.validation`` (values exactly as typed),
with where each item came from on the page, so that the validator's error paths
(``items[3].value.email``) land next to the input they are about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from calsreg.applications.schema import USER_FIELDS, USER_FIELDS_BY_KEY
from calsreg.changes.catalog import ITEMS, ItemSpec, Store, Target
from calsreg.changes.models import ChangeKind
from calsreg.changes.selectors import UserOnFile
from calsreg.core.errors import FieldError

REQUESTER_KEYS = ("requester_name", "requester_phone", "requester_email", "reason")
ACCOUNT_KEYS = ("name", "kana", "email", "phone")
USER_REMOVE = "user_remove"
SUPERVISOR_REMOVE = "supervisor_remove"
SUPERVISOR_ADD = "supervisor_add"
DISCLOSURE = "disclosure"
DELETION = "deletion"
PERSON_ROWS = "person_rows"
INITIAL_PERSON_ROWS = 1
MAX_PERSON_ROWS = 10
ITEM_ROWS = "item_rows"
INITIAL_ITEM_ROWS = 3
MAX_ITEM_ROWS = 20
# Anchor of errors about the request as a whole ("no item", "too many items").
ITEMS_ANCHOR = "change-items"
ITEM_PATH_RE = re.compile(r"^items\[(\d+)\](?:\.(.+))?$")
# The kinds shown as single-value sections on my page, in the order of the form.
SINGLE_SECTIONS = (ChangeKind.PROJECT, ChangeKind.CONTACT, ChangeKind.BILLING_ADDRESS)
FEE_INPUTS = ("period_start", "period_end", "contract_amount")


def new_name(field_name: str) -> str:
    """The 変更後 input of a single-value item: ``new-period_end``."""
    return f"new-{field_name}"


def clear_name(field_name: str) -> str:
    """The checkbox that empties an optional registered value: ``clear-billing_department``."""
    return f"clear-{field_name}"


def account_input(username: str, key: str) -> str:
    return f"acct-{username}-{key}"


def person_input(row: int, key: str) -> str:
    """A new user's input (``key`` of USER_FIELDS, or ``replaces``): ``person-2-email``."""
    return f"person-{row}-{key}"


def row_input(row: int, key: str) -> str:
    """An input of the portal's generic item row: ``row-1-field``, ``row-1-person-email``."""
    return f"row-{row}-{key}"


def check_id(name: str, value: str) -> str:
    return f"{name}-{value}"


@dataclass
class Filing:
    """The raw payload and, per item (in payload order), the page input each of its parts came from."""

    raw: dict[str, Any]
    anchors: list[dict[str, str]] = field(default_factory=list)

    def add(self, item: dict[str, Any], **anchors: str) -> None:
        self.raw["items"].append(item)
        self.anchors.append(anchors)


def _text(post: Any, name: str) -> str:
    return str(post.get(name, "")).strip()


def _requester(post: Any) -> dict[str, Any]:
    return {key: post.get(key, "") for key in REQUESTER_KEYS} | {"items": []}


def single_items(kind: ChangeKind) -> list[ItemSpec]:
    return [
        item
        for item in ITEMS.values()
        if item.kind == kind and item.store in {Store.PROJECT, Store.APPLICATION}
    ]


# --- my page: POST → payload ----------------------------------------------------------------------


def mypage_filing(post: Any, *, users: list[UserOnFile]) -> Filing:
    """The payload of my page's form; ``users`` are the project's users as shown on the page."""
    filing = Filing(raw=_requester(post))
    for kind in SINGLE_SECTIONS:
        for item in single_items(kind):
            name = new_name(item.field)
            if _text(post, name):
                filing.add(
                    {"field": item.field, "value": post.get(name)},
                    label=str(item.label),
                    value=name,
                    field=name,
                )
            elif post.get(clear_name(item.field)):
                filing.add({"field": item.field, "value": ""}, label=str(item.label), value=name, field=name)
    for user in users:
        for key in ACCOUNT_KEYS:
            name = account_input(user.username, key)
            if _text(post, name):
                correction = {"field": f"user.{key}", "target": user.username, "value": post.get(name)}
                label = _("%(id)sの%(label)s") % {"id": user.username, "label": USER_FIELDS_BY_KEY[key].label}
                filing.add(correction, label=label, value=name, target=name, field=name)
    removed = set(post.getlist(USER_REMOVE))
    for user in users:
        if user.username in removed:
            anchor = check_id(USER_REMOVE, user.username)
            label = _("%(id)sの削除") % {"id": user.username}
            filing.add(
                {"field": "user.remove", "target": user.username}, label=label, target=anchor, field=anchor
            )
    _persons(post, filing)
    for value in post.getlist(SUPERVISOR_REMOVE):
        anchor = check_id(SUPERVISOR_REMOVE, value)
        label = str(ITEMS["supervisor.remove"].label)
        filing.add({"field": "supervisor.remove", "target": value}, label=label, target=anchor, field=anchor)
    for value in post.getlist(SUPERVISOR_ADD):
        anchor = check_id(SUPERVISOR_ADD, value)
        label = str(ITEMS["supervisor.add"].label)
        filing.add({"field": "supervisor.add", "value": value}, label=label, value=anchor, field=anchor)
    end = new_name("end_of_use")
    if _text(post, end):
        label = str(ITEMS["end_of_use"].label)
        filing.add({"field": "end_of_use", "value": post.get(end)}, label=label, value=end, field=end)
    for name, field_name in ((DISCLOSURE, "personal.disclosure"), (DELETION, "personal.deletion")):
        for target in post.getlist(name):
            anchor = check_id(name, target)
            label = str(ITEMS[field_name].label)
            filing.add({"field": field_name, "target": target}, label=label, target=anchor, field=anchor)
    return filing


def _persons(post: Any, filing: Filing) -> None:
    for row in range(1, person_row_count(post) + 1):
        person = {spec.key: post.get(person_input(row, spec.key), "") for spec in USER_FIELDS}
        replaces = _text(post, person_input(row, "replaces"))
        if not any(str(value).strip() for value in person.values()):
            continue
        anchors = {f"value.{spec.key}": person_input(row, spec.key) for spec in USER_FIELDS}
        first = person_input(row, USER_FIELDS[0].key)
        label = _("追加する利用者%(n)s") % {"n": row}
        if replaces:
            target = person_input(row, "replaces")
            item = {"field": "user.replace", "target": replaces, "value": person}
            filing.add(item, label=label, target=target, field=target, value=first, **anchors)
        else:
            filing.add(
                {"field": "user.add", "value": person}, label=label, field=first, value=first, **anchors
            )


def person_row_count(post: Any, *, add: int = 0) -> int:
    return _count(post.get(PERSON_ROWS), INITIAL_PERSON_ROWS, MAX_PERSON_ROWS, add)


def item_row_count(post: Any, *, add: int = 0) -> int:
    return _count(post.get(ITEM_ROWS), INITIAL_ITEM_ROWS, MAX_ITEM_ROWS, add)


def _count(value: Any, initial: int, maximum: int, add: int) -> int:
    try:
        shown = int(value or initial)
    except (TypeError, ValueError):
        shown = initial
    return max(1, min(maximum, max(shown, initial) + add))


def fee_values(post: Any) -> dict[str, str]:
    """The period and amount as typed (for the fee preview), by item field."""
    return {key: _text(post, new_name(key)) for key in FEE_INPUTS}


# --- the portal: POST → payload -------------------------------------------------------------------


def portal_filing(post: Any) -> Filing:
    """The payload of the portal's generic rows; a row with something typed but no item chosen is
    sent with an unknown item, so that the validator asks for the item instead of dropping the row."""
    filing = Filing(raw=_requester(post))
    for row in range(1, item_row_count(post) + 1):
        field_name = _text(post, row_input(row, "field"))
        person = {spec.key: post.get(row_input(row, f"person-{spec.key}"), "") for spec in USER_FIELDS}
        target, value = _text(post, row_input(row, "target")), post.get(row_input(row, "value"), "")
        supervisor = _text(post, row_input(row, "supervisor"))
        typed = any(str(v).strip() for v in (target, value, supervisor, *person.values()))
        if not field_name and not typed:
            continue
        spec = ITEMS.get(field_name)
        anchors = {"field": row_input(row, "field"), "target": row_input(row, "target")}
        anchors["value"] = row_input(row, "value")
        item: dict[str, Any] = {"field": field_name or "?", "target": target, "value": value}
        if spec is not None and spec.field in {"user.add", "user.replace"}:
            item["value"] = person
            anchors |= {f"value.{s.key}": row_input(row, f"person-{s.key}") for s in USER_FIELDS}
            anchors["value"] = row_input(row, "person-role")
        elif spec is not None and spec.field == "supervisor.add":
            item["value"] = supervisor
            anchors["value"] = row_input(row, "supervisor")
        elif spec is not None and spec.target == Target.SUPERVISOR:
            item["target"] = supervisor
            anchors["target"] = row_input(row, "supervisor")
        filing.add(item, **anchors)
    return filing


# --- errors → inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorLink:
    href: str
    text: str


def errors_by_input(errors: list[FieldError], anchors: list[dict[str, str]]) -> dict[str, list[str]]:
    """The validator's messages by the id of the input they are about."""
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(input_for_path(error.field, anchors), []).append(error.message)
    return found


def input_for_path(path: str, anchors: list[dict[str, str]]) -> str:
    match = ITEM_PATH_RE.match(path)
    if path == "items" or (match and not 0 < int(match.group(1)) <= len(anchors)):
        return ITEMS_ANCHOR
    if match is None:
        return path  # requester_name, requester_phone, requester_email, reason
    item = anchors[int(match.group(1)) - 1]
    part = match.group(2) or "value"
    return item.get(part) or item.get("value") or item.get("field") or ITEMS_ANCHOR


def relabel(errors: list[FieldError], anchors: list[dict[str, str]]) -> list[FieldError]:
    """My page's errors named as the page names the input, not by the item's number in the payload
    ("変更3（利用者の電話番号）" → "suzuki2.xrrの電話番号"), which means nothing to the filer."""
    named = []
    for error in errors:
        index = item_index(error.field)
        label = anchors[index - 1].get("label", "") if 0 < index <= len(anchors) else ""
        if not label or not error.label:
            named.append(error)
            continue
        part = error.field.split(".", 2)[-1] if error.field.count(".") >= 2 else ""
        if part in USER_FIELDS_BY_KEY:
            label = _("%(who)sの%(label)s") % {"who": label, "label": USER_FIELDS_BY_KEY[part].label}
        message = error.message.replace(error.label, label)
        named.append(FieldError(field=error.field, label=label, message=message))
    return named


def item_index(path: str) -> int:
    """The 1-based item number of an error path (``items[3].value`` → 3); 0 for other paths."""
    match = ITEM_PATH_RE.match(path)
    return int(match.group(1)) if match else 0


def error_links(errors: list[FieldError], anchors: list[dict[str, str]]) -> list[ErrorLink]:
    links = []
    for error in errors:
        text = (
            f"{error.label}：{error.message}"
            if error.label and error.label not in error.message
            else error.message
        )
        links.append(ErrorLink(href=f"#{input_for_path(error.field, anchors)}", text=text))
    return links
