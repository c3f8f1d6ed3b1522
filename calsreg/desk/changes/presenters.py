"""Shape change requests for the desk's templates: the queue's rows, the field-by-field diff and the
verification panel (seed steps 8–9): per item, whose data it is and that person's number on file.

Which actions show is read from the request's state table (``changes.models.TRANSITIONS``); the
templates hold no rule of their own. Values are formatted here (dates in Japanese, amounts in yen, a
new user as one line) and never as ``tel:`` or ``mailto:`` links: a requested value is something to
compare, not a number to call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from calsreg.accounts.models import User
from calsreg.applications.models import UserRole
from calsreg.applications.schema import Kind
from calsreg.changes.catalog import APPLICANT, ITEMS, ItemSpec, Target
from calsreg.changes.models import (
    TRANSITIONS,
    CallBack,
    ChangeItem,
    ChangeKind,
    ChangeRequest,
    ChangeStatus,
    ItemDecision,
)
from calsreg.changes.registration import PersonConcerned, people_concerned
from calsreg.changes.selectors import DiffRow, diff_rows
from calsreg.core.templatetags.jdate import jdate
from calsreg.desk.changes.forms import ITEM_ANSWERS
from calsreg.directory.models import Supervisor
from calsreg.records.models import Evidence
from calsreg.records.selectors import evidence_for
from calsreg.records.services import VerificationResult, evidence_verify
from calsreg.verification.models import CallOutcome

# The badge colour of each state (the application queue's palette).
STATUS_CSS: dict[str, str] = {
    ChangeStatus.SUBMITTED: "submitted",
    ChangeStatus.VERIFIED: "confirmed",
    ChangeStatus.APPLIED: "in_service",
    ChangeStatus.REJECTED: "rejected",
}
DECISION_CSS: dict[str, str] = {
    ItemDecision.PENDING: "awaiting_confirmation",
    ItemDecision.CONFIRMED: "confirmed",
    ItemDecision.DECLINED: "withdrawn",
}
DISCLOSURE_NOTE = "disclosure"  # Evidence.note of a disclosure document (changes.services.disclosure)


def status_css(status: str) -> str:
    return STATUS_CSS.get(status, "")


# --- the queue ---------------------------------------------------------------------------------------


def queue_rows(requests: QuerySet[ChangeRequest]) -> QuerySet[ChangeRequest]:
    """The queue's queryset with its items in one more query per page (for the kinds column)."""
    return requests.prefetch_related(Prefetch("items", queryset=ChangeItem.objects.order_by("position")))


def kinds_of(request: ChangeRequest) -> list[str]:
    """The kinds of change a request holds, once each, in the catalog's order."""
    present = {item.kind for item in request.items.all()}
    return [str(label) for value, label in ChangeKind.choices if value in present]


# --- the diff ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    """One line of the diff, formatted for display."""

    item: ChangeItem
    label: str
    target: str
    before: str
    current: str
    after: str
    differs: bool  # the registration changed since the request was filed
    decision_css: str


@dataclass(frozen=True)
class _Names:
    """Names to show for the accounts and supervisors the items refer to (two queries at most)."""

    accounts: dict[str, str]
    supervisors: dict[int, str]

    @classmethod
    def of(cls, items: Iterable[ChangeItem]) -> _Names:
        usernames: set[str] = set()
        supervisor_ids: set[int] = set()
        for item in items:
            spec = ITEMS[item.field]
            if spec.target in (Target.ACCOUNT, Target.PERSON) and item.target and item.target != APPLICANT:
                usernames.add(item.target)
            if item.field == "supervisor.remove" and item.target.isdigit():
                supervisor_ids.add(int(item.target))
            if item.field == "supervisor.add" and str(item.after).isdigit():
                supervisor_ids.add(int(str(item.after)))
        accounts = (
            dict(User.objects.filter(username__in=usernames).values_list("username", "display_name"))
            if usernames
            else {}
        )
        supervisors = (
            {
                supervisor.pk: str(supervisor)
                for supervisor in Supervisor.objects.filter(pk__in=supervisor_ids)
            }
            if supervisor_ids
            else {}
        )
        return cls(accounts=accounts, supervisors=supervisors)

    def target(self, spec: ItemSpec, target: str) -> str:
        if spec.target == Target.NONE or not target:
            return ""
        if target == APPLICANT:
            return _("申込担当者")
        if spec.target == Target.SUPERVISOR:
            return self.supervisors.get(int(target), target) if target.isdigit() else target
        name = self.accounts.get(target, "")
        return f"{target}（{name}）" if name else target

    def value(self, spec: ItemSpec, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if spec.field == "supervisor.add":
            return self.supervisors.get(int(value), str(value)) if str(value).isdigit() else str(value)
        if isinstance(value, dict):
            return _person(value)
        kind = spec.spec.kind if spec.spec is not None else (Kind.DATE if spec.field == "end_of_use" else "")
        if kind == Kind.DATE:
            try:
                return jdate(date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if kind == Kind.AMOUNT and str(value).isdigit():
            return _("%(amount)s円") % {"amount": intcomma(int(value))}
        return str(value)


def _person(value: dict[str, Any]) -> str:
    """A new user as one line: role, name (kana), e-mail, phone, requested ID."""
    role = value.get("role", "")
    role_label = str(UserRole(role).label) if role in UserRole.values else str(role)
    parts = [
        f"{role_label} {value.get('name', '')}（{value.get('kana', '')}）",
        str(value.get("email", "")),
        str(value.get("phone", "")),
        _("希望ID %(id)s") % {"id": value.get("requested_id", "")},
    ]
    return " / ".join(part for part in parts if part.strip())


def item_rows(request: ChangeRequest) -> list[ItemRow]:
    """The request's items against the registration: as filed, now, and as requested."""
    diff: list[DiffRow] = diff_rows(request)
    names = _Names.of(row.item for row in diff)
    rows = []
    for row in diff:
        spec = ITEMS[row.item.field]
        stored = spec.spec is not None
        rows.append(
            ItemRow(
                item=row.item,
                label=row.label,
                target=names.target(spec, row.target),
                before=names.value(spec, row.before) if stored else "",
                current=names.value(spec, row.current) if stored else "",
                after=names.value(spec, row.after) if row.after is not None else "",
                differs=stored and row.item.applied_at is None and row.current != row.before,
                decision_css=DECISION_CSS.get(row.item.decision, ""),
            )
        )
    return rows


# --- evidence ---------------------------------------------------------------------------------------


def evidence_checked(request: ChangeRequest) -> list[VerificationResult]:
    """Every file kept for the request (the form, call records, disclosures), each re-verified."""
    return [evidence_verify(evidence=evidence) for evidence in evidence_for(subject=request)]


# --- the verification panel --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRows:
    """A person concerned (本人) with their number on file and the rows of their items."""

    person: PersonConcerned
    rows: list[ItemRow]

    @property
    def pending_rows(self) -> list[ItemRow]:
        return [row for row in self.rows if row.item.decision == ItemDecision.PENDING]


@dataclass(frozen=True)
class ChangePanel:
    request: ChangeRequest
    rows: list[ItemRow]
    people: list[PersonRows]
    call_outcomes: list[tuple[str, Any]]
    item_answers: list[tuple[str, Any]]
    calls: list[CallBack]
    disclosures: list[VerificationResult]
    can_call: bool
    can_apply: bool
    can_reject: bool

    @property
    def to_apply(self) -> list[ItemRow]:
        return [row for row in self.rows if row.item.decision == ItemDecision.CONFIRMED]

    @property
    def not_applied(self) -> list[ItemRow]:
        return [row for row in self.rows if row.item.decision != ItemDecision.CONFIRMED]

    @property
    def to_call(self) -> list[PersonRows]:
        """The people still to be called: items not decided yet and a number on file."""
        return [entry for entry in self.people if entry.person.to_call]

    @property
    def unreachable(self) -> list[PersonRows]:
        """People with undecided items and no number on file: their items cannot be confirmed."""
        return [entry for entry in self.people if entry.person.pending and not entry.person.phone]

    @property
    def unverified(self) -> list[ItemRow]:
        return [row for row in self.rows if row.item.decision == ItemDecision.PENDING]


def change_panel(request: ChangeRequest) -> ChangePanel:
    """The call-back, apply and reject controls for the request's current state."""
    allowed = TRANSITIONS.get(request.status, frozenset())
    can_call = request.status == ChangeStatus.SUBMITTED
    rows = item_rows(request)
    by_item = {row.item.pk: row for row in rows}
    people = [
        PersonRows(person=person, rows=[by_item[item.pk] for item in person.items])
        for person in people_concerned(request)
    ]
    evidence = [
        evidence_verify(evidence=item)
        for item in Evidence.objects.filter(
            subject_type=ChangeRequest._meta.model_name, subject_id=request.pk, note=DISCLOSURE_NOTE
        ).order_by("received_at", "id")
    ]
    return ChangePanel(
        request=request,
        rows=rows,
        people=people,
        call_outcomes=list(CallOutcome.choices),
        item_answers=ITEM_ANSWERS,
        calls=list(request.call_backs.all()),
        disclosures=evidence,
        can_call=can_call,
        can_apply=ChangeStatus.APPLIED in allowed and request.status == ChangeStatus.VERIFIED,
        can_reject=ChangeStatus.REJECTED in allowed,
    )
