"""Find applications, projects, accounts and directory people from one line of text.

Every lookup is an exact or prefix match on an indexed column, mostly the generated search keys of
``core.search_keys`` (names and kana without spaces, e-mail in lower case, phone digits), so each is
an index scan whatever the size of the tables. A part of an application's project name or company
(「護岸」 in 「令和8年度 護岸改修工事」, any width or kana) goes through the queue's text filter
(``core.text_search``: a bigram index on PostgreSQL). A part of a project's name is still a bounded
scan (``LIMIT``) in a query of its own that the other lookups do not wait on. The number of queries is fixed (``QUERIES_*``), whatever is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from calsreg.accounts.models import ACCOUNT_ROLES, Membership, Project, User
from calsreg.applications.models import Application, ApplicationUser
from calsreg.core.search_keys import (
    query_company_key,
    query_email_key,
    query_kana_key,
    query_name_key,
    query_phone_digits,
    query_text,
)
from calsreg.core.text_search import text_search_filter
from calsreg.directory.models import Supervisor

LIMIT = 20  # rows per group; one more is read to know that there are more
MIN_PHONE_DIGITS = 6  # fewer digits are part of too many numbers to mean one
MIN_CONTAINS_LENGTH = 2  # a project name is searched for a part only from two characters on


@dataclass(frozen=True)
class Keys:
    """What was typed, in the normal form of each kind of column."""

    text: str  # NFKC, trimmed
    upper: str  # receipt and project numbers
    lower: str  # user IDs
    name: str
    kana: str
    company: str
    email: str  # "" unless it looks like an address
    phone: str  # "" unless it looks like a phone number

    @classmethod
    def of(cls, raw: str) -> Keys:
        text = query_text(raw)
        digits = query_phone_digits(raw)
        return cls(
            text=text,
            upper=text.upper(),
            lower=text.lower(),
            name=query_name_key(raw),
            kana=query_kana_key(raw),
            company=query_company_key(raw),
            email=query_email_key(raw) if "@" in text else "",
            phone=digits if len(digits) >= MIN_PHONE_DIGITS else "",
        )


@dataclass
class Group:
    rows: list[Any] = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResults:
    text: str
    applications: Group = field(default_factory=Group)
    projects: Group = field(default_factory=Group)
    accounts: Group = field(default_factory=Group)
    people: Group = field(default_factory=Group)
    exact: Any = None  # the one row an identifier named exactly, when it is the only hit

    @property
    def total(self) -> int:
        return sum(len(g.rows) for g in (self.applications, self.projects, self.accounts, self.people))


def sees_personal_data(user: Any) -> bool:
    """Help desk and administrators; the billing agent finds projects only (security invariant 6)."""
    return bool(getattr(user, "is_desk_staff", False))


def desk_search(*, raw: str, viewer: Any) -> SearchResults:
    keys = Keys.of(raw)
    results = SearchResults(text=keys.text)
    if not keys.text:
        return results
    results.projects = _merged(_projects(keys), _projects_by_name(keys))
    if sees_personal_data(viewer):
        results.applications = _merged(
            _applications(keys), _applications_by_name(keys), _applications_by_user(keys)
        )
        results.accounts = _group(_accounts(keys))
        results.people = _group(_supervisors(keys))
    results.exact = _exact(results, keys)
    return results


def _prefix(lookup: str, value: str) -> Q:
    return Q(**{f"{lookup}__startswith": value}) if value else Q(pk__in=[])


def _equal(lookup: str, value: str) -> Q:
    return Q(**{lookup: value}) if value else Q(pk__in=[])


def _applications(keys: Keys) -> QuerySet[Application]:
    match = (
        _prefix("receipt_number", keys.upper)
        | _prefix("project_number", keys.upper)
        | _prefix("contractor_key", keys.company)
        | _prefix("applicant_name_key", keys.name)
        | _prefix("applicant_kana_key", keys.kana)
        | _equal("applicant_email_key", keys.email)
        | _equal("applicant_phone_key", keys.phone)
        | _equal("contractor_phone_key", keys.phone)
    )
    return _application_rows(Application.objects.filter(match))


def _applications_by_name(keys: Keys) -> QuerySet[Application]:
    if len(keys.text) < MIN_CONTAINS_LENGTH or keys.email or keys.phone:
        return Application.objects.none()
    return _application_rows(text_search_filter(Application.objects.all(), keys.text))


def _applications_by_user(keys: Keys) -> QuerySet[Application]:
    match = (
        _prefix("name_key", keys.name)
        | _prefix("kana_key", keys.kana)
        | _equal("email_key", keys.email)
        | _equal("phone_key", keys.phone)
    )
    users = ApplicationUser.objects.filter(match).values("application_id")[: LIMIT + 1]
    return _application_rows(
        Application.objects.filter(pk__in=list(users.values_list("application_id", flat=True)))
    )


def _application_rows(queryset: QuerySet[Application]) -> QuerySet[Application]:
    return queryset.select_related("office", "project").order_by("-submitted_at", "-id")[: LIMIT + 1]


def _projects(keys: Keys) -> QuerySet[Project]:
    match = _prefix("project_number", keys.upper) | _prefix("contractor_key", keys.company)
    return _project_rows(Project.objects.filter(match))


def _projects_by_name(keys: Keys) -> QuerySet[Project]:
    if len(keys.text) < MIN_CONTAINS_LENGTH or keys.email or keys.phone:
        return Project.objects.none()
    return _project_rows(text_search_filter(Project.objects.all(), keys.text))


def _project_rows(queryset: QuerySet[Project]) -> QuerySet[Project]:
    return queryset.select_related("office").order_by("-created_at", "-id")[: LIMIT + 1]


def _accounts(keys: Keys) -> list[User]:
    match = (
        _prefix("username", keys.lower)
        | _prefix("name_key", keys.name)
        | _prefix("kana_key", keys.kana)
        | _equal("email_key", keys.email)
        | _equal("phone_key", keys.phone)
    )
    accounts = list(User.objects.filter(match, role__in=ACCOUNT_ROLES).order_by("username")[: LIMIT + 1])
    projects: dict[int, list[Project]] = {}
    memberships = Membership.objects.filter(user__in=accounts).select_related("project").order_by("pk")
    for membership in memberships:
        projects.setdefault(membership.user_id, []).append(membership.project)
    for account in accounts:
        account.search_projects = projects.get(account.pk, [])  # type: ignore[attr-defined]
    return accounts


def _supervisors(keys: Keys) -> QuerySet[Supervisor]:
    match = (
        _prefix("name_key", keys.name)
        | _prefix("kana_key", keys.kana)
        | _equal("email_key", keys.email)
        | _equal("phone_key", keys.phone)
    )
    return (
        Supervisor.objects.filter(match)
        .select_related("office", "account")
        .order_by("kana_key", "pk")[: LIMIT + 1]
    )


def _group(rows: Any) -> Group:
    rows = list(rows)
    return Group(rows=rows[:LIMIT], more=len(rows) > LIMIT)


def _merged(*querysets: Any) -> Group:
    """Rows of several lookups, each row once, in the order the lookups were given."""
    seen: set[int] = set()
    rows = []
    more = False
    for queryset in querysets:
        found = list(queryset)
        more = more or len(found) > LIMIT
        for row in found:
            if row.pk not in seen:
                seen.add(row.pk)
                rows.append(row)
    return Group(rows=rows[:LIMIT], more=more or len(rows) > LIMIT)


def _exact(results: SearchResults, keys: Keys) -> Any:
    """The row a full identifier names, when it is the only row found: the desk goes straight to it."""
    if results.total != 1:
        return None
    for row in results.applications.rows:
        if row.receipt_number == keys.upper:
            return row
    for row in results.projects.rows:
        if row.project_number == keys.upper:
            return row
    for row in results.accounts.rows:
        if row.username == keys.lower:
            return row
    return None
