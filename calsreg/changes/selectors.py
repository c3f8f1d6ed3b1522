"""Reads of the changes app: the desk's queue and diff, my page's lists, the fee impact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from calsreg.accounts.models import Membership, Project, ProjectStatus, Role, User
from calsreg.billing.services import FeeImpact, fee_impact
from calsreg.changes.catalog import APPLICANT, FEE_FIELDS, ITEMS
from calsreg.changes.models import ChangeItem, ChangeRequest, ChangeStatus
from calsreg.changes.registration import project_accounts, registered_value
from calsreg.core.errors import NotFound
from calsreg.core.search_keys import search_text_key
from calsreg.directory.models import Supervisor
from calsreg.records.models import AuditEvent


def change_requests_for_desk(
    *, status: str = "", assigned_to: User | None = None, text: str = ""
) -> QuerySet[ChangeRequest]:
    """The desk's list: newest first, with the project and the item count in the same query.

    The item count is a subquery per row shown, not a ``GROUP BY`` over the whole list, so a page
    read by key (desk/paging.py) stays one index range scan. ``text`` finds a part of the number,
    the requester, or the project's number or name, in any width or kana (core.text_search).
    """
    items = (
        ChangeItem.objects.filter(request=OuterRef("pk"))
        .order_by()
        .values("request")
        .annotate(n=Count("*"))
        .values("n")
    )
    requests = ChangeRequest.objects.select_related("project", "assigned_to").annotate(
        item_count=Coalesce(Subquery(items), 0)
    )
    if status:
        requests = requests.filter(status=status)
    if assigned_to is not None:
        requests = requests.filter(assigned_to=assigned_to)
    key = search_text_key(text)
    if key:
        # Two indexed searches, one per table, joined by id (an OR across the join could use neither).
        own = ChangeRequest.objects.filter(search_text__finds=key).order_by().values("pk")
        by_project = ChangeRequest.objects.filter(project__search_text__finds=key).order_by().values("pk")
        requests = requests.filter(pk__in=own.union(by_project))
    return requests.order_by("-submitted_at", "-id")


def change_status_counts() -> dict[str, int]:
    counts = dict(
        ChangeRequest.objects.values_list("status").annotate(n=Count("*")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in ChangeStatus.values}


def change_request_for_desk(*, pk: int) -> ChangeRequest:
    return (
        ChangeRequest.objects.select_related(
            "project__application", "project__office", "filed_by", "assigned_to", "form_evidence"
        )
        .prefetch_related("items", "call_backs__called_by", "call_backs__evidence")
        .get(pk=pk)
    )


@dataclass(frozen=True)
class DiffRow:
    item: ChangeItem
    label: str
    target: str
    before: Any  # the registered value when the request was filed
    current: Any  # the registered value now (differs from before if something else changed it)
    after: Any


def diff_rows(request: ChangeRequest) -> list[DiffRow]:
    """The field-by-field diff of a request against the current registration (one query for the
    project's accounts, however many items name one)."""
    accounts = project_accounts(request.project)
    rows = []
    for item in request.items.all():
        spec = ITEMS[item.field]
        rows.append(
            DiffRow(
                item=item,
                label=str(spec.label),
                target=item.target,
                before=item.before,
                current=registered_value(
                    project=request.project, item=spec, target=item.target, accounts=accounts
                )
                if item.applied_at is None
                else item.after,
                after=item.after,
            )
        )
    return rows


def request_fee_impact(request: ChangeRequest) -> FeeImpact | None:
    """The fee impact of the request's period and amount items, or None when it has none."""
    items = {item.field: item.after for item in request.items.all() if item.field in FEE_FIELDS}
    if not items:
        return None
    return project_fee_impact(project=request.project, changes=items)


def project_fee_impact(*, project: Project, changes: dict[str, Any]) -> FeeImpact:
    def day(key: str, default: date) -> date:
        return date.fromisoformat(str(changes[key])) if changes.get(key) else default

    amount = changes.get("contract_amount")
    return fee_impact(
        project=project,
        period_start=day("period_start", project.period_start),
        period_end=day("period_end", project.period_end),
        contract_amount=int(amount) if amount else None,
    )


def projects_for_filing(*, user: User) -> QuerySet[Project]:
    """The projects an account holder may file a change for from my page: theirs and not closed."""
    return (
        Project.objects.filter(memberships__user=user, memberships__active=True)
        .exclude(status=ProjectStatus.CLOSED)
        .select_related("office")
        .distinct()
        .order_by("-created_at")
    )


def change_requests_of_account(*, user: User) -> QuerySet[ChangeRequest]:
    """Requests about the account holder's projects (what they filed and what others filed)."""
    projects = Membership.objects.filter(user=user).values("project_id")
    return (
        ChangeRequest.objects.filter(Q(filed_by=user) | Q(project_id__in=projects))
        .select_related("project")
        .order_by("-submitted_at", "-id")
    )


def project_by_reference(*, reference: str) -> Project | None:
    """A project by its application's receipt number or its project number (portal filing).

    Only contractor-facing identifiers; the caller never shows the registration back to an
    anonymous filer (the call-back decides whether the request is genuine).
    """
    reference = reference.strip()
    if not reference:
        return None
    found = (
        Project.objects.filter(Q(application__receipt_number__iexact=reference) | Q(project_number=reference))
        .exclude(status=ProjectStatus.CLOSED)
        .order_by("-created_at")
    )
    return found.first()


def person_choices(project: Project) -> list[tuple[str, str]]:
    """Targets for personal-data items: the 申込担当者 and the project's contractor users."""
    users = (
        Membership.objects.filter(project=project, active=True, user__role=Role.CONTRACTOR)
        .select_related("user")
        .order_by("user__username")
    )
    return [(APPLICANT, _("申込担当者"))] + [
        (m.user.username, f"{m.user.username} {m.user.display_name}") for m in users
    ]


def change_request_timeline(request: ChangeRequest) -> QuerySet[AuditEvent]:
    """The request's own audit events and the registration fields it changed (with before/after)."""
    return AuditEvent.objects.filter(
        Q(subject_type=ChangeRequest._meta.model_name, subject_id=request.pk)
        | Q(action="registration.field_changed", data__change_request=request.number)
    ).order_by("at", "id")


# --- Filing (my page, portal, change workbook, API) --------------------------------------------------


@dataclass(frozen=True)
class UserOnFile:
    """A contractor user of the project as registered, with their role in it."""

    username: str
    role: str
    role_label: str
    name: str
    kana: str
    email: str
    phone: str


def project_users_on_file(project: Project) -> list[UserOnFile]:
    """The project's active contractor users (the targets of user items), by account ID."""
    memberships = (
        Membership.objects.filter(project=project, active=True, user__role=Role.CONTRACTOR)
        .select_related("user")
        .order_by("user__username")
    )
    return [
        UserOnFile(
            username=m.user.username,
            role=m.role,
            role_label=str(m.get_role_display()),
            name=m.user.display_name,
            kana=m.user.kana,
            email=m.user.email,
            phone=m.user.phone,
        )
        for m in memberships
    ]


def project_supervisors_on_file(project: Project) -> list[Supervisor]:
    """The directory supervisors on the project (the targets of ``supervisor.remove``)."""
    ids = Membership.objects.filter(
        project=project, active=True, user__role=Role.SUPERVISOR, user__supervisor__isnull=False
    ).values("user__supervisor_id")
    return list(Supervisor.objects.filter(pk__in=ids).order_by("code"))


def supervisors_to_add(project: Project) -> list[Supervisor]:
    """The office's active directory supervisors not yet on the project (``supervisor.add``)."""
    on_project = Membership.objects.filter(
        project=project, active=True, user__supervisor__isnull=False
    ).values("user__supervisor_id")
    return list(
        Supervisor.objects.filter(office_id=project.office_id, active=True)
        .exclude(pk__in=on_project)
        .order_by("code")
    )


def change_request_by_number(*, number: str) -> ChangeRequest:
    """One request with its project and items; raises NotFound."""
    found = (
        ChangeRequest.objects.select_related("project")
        .prefetch_related("items")
        .filter(number=number.strip().upper())
        .first()
    )
    if found is None:
        raise NotFound(_("その変更受付番号の変更申込はありません。"))
    return found


def project_for_change(*, project_id: int) -> Project:
    """A project by id for filing on its behalf (the API); raises NotFound."""
    project = Project.objects.select_related("application", "office").filter(pk=project_id).first()
    if project is None:
        raise NotFound(_("その工事はありません。"))
    return project
