"""One project as the desk sees it, read in a constant number of queries whatever the number of
members, mails, sign-ins, change requests, invoices or audit rows.

The combined timeline merges the audit rows of the application, its confirmations and calls, the
project, its change requests, its members' accounts and (for those who may see billing) its
invoices, with the mails sent about any of them and the members' sign-ins at the relying parties.
Views of personal data are in the audit log but left out of this timeline: it tells what happened
to the project, not who looked at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from calsreg.accounts.models import Membership, MembershipRole, Project, ProjectStatus, Role, User
from calsreg.applications.models import Application
from calsreg.billing.models import Invoice, InvoiceStatus
from calsreg.billing.models.invoices import OPEN_STATUSES, PAYABLE_KINDS
from calsreg.changes.models import ChangeRequest
from calsreg.desk.accounts.selectors import TimelineEntry
from calsreg.desk.projects.locks import locked_until
from calsreg.notifications.models import Delivery
from calsreg.records.models import AuditEvent
from calsreg.sso.models import SignIn
from calsreg.verification.models import ConfirmationRequest, PhoneCall


@dataclass(frozen=True)
class Member:
    user: User
    role_label: str
    active: bool
    locked_until: datetime | None
    last_sign_in: datetime | None  # at a relying party


@dataclass(frozen=True)
class Billing:
    invoices: list[Invoice]
    billed: int  # yen on invoices and additional invoices issued (not void)
    paid: int  # yen settled on them (payments and fee credits)
    owed: int  # yen still owed


@dataclass(frozen=True)
class ProjectPage:
    project: Project
    members: list[Member]  # contractor users
    supervisors: list[Member]  # orderer supervisors
    suspended_by: AuditEvent | None  # the audit row that says why (when suspended)
    unpaid: list[Invoice]  # owed invoices, oldest due first (for those who may see billing)
    unpaid_count: int
    billing: Billing | None  # None: the viewer may not see billing
    change_requests: list[ChangeRequest]
    timeline: list[TimelineEntry]


def project_page(*, pk: int, with_billing: bool, now: datetime) -> ProjectPage | None:
    project = Project.objects.select_related("application", "office__organisation").filter(pk=pk).first()
    if project is None:
        return None
    memberships = list(
        Membership.objects.filter(project=project).select_related("user__supervisor").order_by("pk")
    )
    sign_ins = list(
        SignIn.objects.filter(user_id__in=[row.user_id for row in memberships])
        .select_related("application", "user")
        .order_by("signed_in_at", "pk")
    )
    members = _members(memberships, sign_ins, now=now)
    audits = list(_audit_rows(project, with_billing=with_billing))
    invoices = _invoices(project) if with_billing else []
    unpaid = [invoice for invoice in invoices if invoice.amount_outstanding > 0]
    return ProjectPage(
        project=project,
        members=[m for m in members if m.user.role != Role.SUPERVISOR],
        supervisors=[m for m in members if m.user.role == Role.SUPERVISOR],
        suspended_by=_suspended_by(project, audits),
        unpaid=sorted(unpaid, key=lambda invoice: (invoice.due_on or now.date(), invoice.pk)),
        unpaid_count=len(unpaid) if with_billing else _unpaid_count(project),
        billing=_billing(invoices) if with_billing else None,
        change_requests=list(ChangeRequest.objects.filter(project=project).order_by("-submitted_at", "-pk")),
        timeline=_timeline(audits, _deliveries(project, with_billing=with_billing), sign_ins),
    )


def _members(memberships: list[Membership], sign_ins: list[SignIn], *, now: datetime) -> list[Member]:
    roles = dict(MembershipRole.choices)
    last: dict[int, datetime] = {}
    for row in sign_ins:
        last[row.user_id] = max(row.signed_in_at, last.get(row.user_id, row.signed_in_at))
    locks = locked_until(usernames=[row.user.username for row in memberships], at=now)
    return [
        Member(
            user=row.user,
            role_label=str(roles.get(row.role, row.role)),
            active=row.active,
            locked_until=locks.get(row.user.username),
            last_sign_in=last.get(row.user_id),
        )
        for row in memberships
    ]


def _subjects(project: Project, *, with_billing: bool) -> Q:
    """Every row whose audit rows and mails belong on the project's timeline (subqueries, one query)."""
    application_id = project.application_id
    subjects = (
        Q(subject_type="application", subject_id=application_id)
        | Q(subject_type="project", subject_id=project.pk)
        | Q(
            subject_type="confirmationrequest",
            subject_id__in=ConfirmationRequest.objects.filter(application_id=application_id).values("pk"),
        )
        | Q(
            subject_type="phonecall",
            subject_id__in=PhoneCall.objects.filter(application_id=application_id).values("pk"),
        )
        | Q(
            subject_type="changerequest",
            subject_id__in=ChangeRequest.objects.filter(project=project).values("pk"),
        )
        | Q(subject_type="user", subject_id__in=Membership.objects.filter(project=project).values("user_id"))
    )
    if with_billing:
        subjects |= Q(
            subject_type="invoice", subject_id__in=Invoice.objects.filter(project=project).values("pk")
        )
    return subjects


def _audit_rows(project: Project, *, with_billing: bool) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(_subjects(project, with_billing=with_billing))
        .exclude(action__endswith=".viewed")
        # The sign-in rows themselves are on the timeline (with who and where).
        .exclude(action="sso.signed_in")
        .order_by("at", "pk")
    )


def _deliveries(project: Project, *, with_billing: bool) -> list[Delivery]:
    """The mails about the project and its people: kind, recipient, status and times, never a body."""
    return list(
        Delivery.objects.filter(_subjects(project, with_billing=with_billing))
        .defer("context")
        .order_by("created_at", "pk")
    )


def _suspended_by(project: Project, audits: list[AuditEvent]) -> AuditEvent | None:
    if project.status != ProjectStatus.SUSPENDED:
        return None
    rows = [row for row in audits if row.action == "project.suspended" and row.subject_type == "project"]
    return rows[-1] if rows else None


def _invoices(project: Project) -> list[Invoice]:
    return list(
        Invoice.objects.filter(project=project).with_amount_paid().order_by("run_month", "number", "pk")
    )


def _unpaid_count(project: Project) -> int:
    owed = Invoice.objects.filter(project=project, kind__in=PAYABLE_KINDS, status__in=OPEN_STATUSES)
    return sum(1 for invoice in owed.with_amount_paid() if invoice.amount_outstanding > 0)


def _billing(invoices: list[Invoice]) -> Billing:
    payable = [
        i for i in invoices if i.kind in PAYABLE_KINDS and i.status in {*OPEN_STATUSES, InvoiceStatus.PAID}
    ]
    return Billing(
        invoices=invoices,
        billed=sum(i.total for i in payable),
        paid=sum(i.amount_paid for i in payable),
        owed=sum(i.amount_outstanding for i in payable),
    )


def _timeline(
    audits: list[AuditEvent], deliveries: list[Delivery], sign_ins: list[SignIn]
) -> list[TimelineEntry]:
    entries = [TimelineEntry(at=row.at, kind="audit", item=row) for row in audits]
    entries += [TimelineEntry(at=row.sent_at or row.created_at, kind="mail", item=row) for row in deliveries]
    entries += [TimelineEntry(at=row.signed_in_at, kind="sign_in", item=row) for row in sign_ins]
    # Oldest first (stable: at one instant, a change before the mails it sent), then reversed, so
    # what happened at the same instant still reads newest first.
    entries.sort(key=lambda entry: entry.at)
    entries.reverse()
    return entries


def with_project_state(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Each application with ``project_pk`` and ``project_status`` (None before registration), read in
    the same query: a registered application's own status stays 利用中 when its project is suspended
    or closed, so the desk shows the project's."""
    return applications.annotate(project_pk=F("project__pk"), project_status=F("project__status"))


def application_project_state(*, application: Application) -> tuple[int | None, str | None]:
    """The primary key and state of the project registered from ``application`` (Nones before)."""
    row = Project.objects.filter(application=application).values_list("pk", "status").first()
    return (row[0], row[1]) if row else (None, None)
