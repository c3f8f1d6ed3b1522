"""Reads of the lifecycle app: what is past its retention period, and everything a purge touches.

A purge is about one application: a closed project's (through ``Project.application``) or one
that never became a project (rejected or withdrawn). ``purge_scope`` gathers every row that holds
or may hold the personal data of the people on it, by following the references the other apps
keep (foreign keys, and the ``subject_type``/``subject_id`` pairs of deliveries, evidence and the
audit log). The service erases from exactly this scope, and the dry run counts it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from calsreg.accounts.models import Membership, Project, ProjectStatus, Role, User
from calsreg.applications.models import Application, ApplicationUser, CorrectionLink
from calsreg.applications.states import Status
from calsreg.billing.models import Invoice
from calsreg.changes.models import CallBack, ChangeItem, ChangeRequest
from calsreg.directory.models import Supervisor
from calsreg.mailbox.models import MailboxMessage
from calsreg.mailbox.retention import messages_resulting_in
from calsreg.notifications.models import Delivery, OutboxMessage
from calsreg.records.models import AuditEvent, Evidence
from calsreg.verification.models import ConfirmationRequest, PhoneCall, UnlistedSenderReply

# Applications that ended without a project: purged counting from their last update.
ENDED_WITHOUT_PROJECT = (Status.REJECTED, Status.WITHDRAWN)


def retention_cutoff(*, today: date) -> datetime:
    """Anything closed (or last updated) before this moment is past PERSONAL_DATA_RETENTION_DAYS.

    Counted in days in Japan: a project closed on 2027-03-20 with 365 days is purged from 2028-03-19.
    """
    first_kept_day = today - timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS) + timedelta(days=1)
    return timezone.make_aware(datetime.combine(first_kept_day, time.min))


def projects_due_for_purge(*, today: date) -> QuerySet[Project]:
    """Closed projects past the retention period whose personal data is still there (oldest first)."""
    return (
        Project.objects.filter(
            status=ProjectStatus.CLOSED,
            closed_at__lt=retention_cutoff(today=today),
            application__personal_data_purged_at__isnull=True,
        )
        .select_related("application")
        .order_by("closed_at", "pk")
    )


def applications_due_for_purge(*, today: date) -> QuerySet[Application]:
    """Rejected or withdrawn applications (never a project) untouched for the retention period."""
    return Application.objects.filter(
        status__in=ENDED_WITHOUT_PROJECT,
        project__isnull=True,
        updated_at__lt=retention_cutoff(today=today),
        personal_data_purged_at__isnull=True,
    ).order_by("updated_at", "pk")


def application_is_due(*, application: Application, today: date) -> bool:
    """The same test as the two lists above, for one application (checked again under its lock)."""
    if application.personal_data_purged_at is not None:
        return False
    cutoff = retention_cutoff(today=today)
    project = Project.objects.filter(application=application).first()
    if project is None:
        return application.status in ENDED_WITHOUT_PROJECT and application.updated_at < cutoff
    return (
        project.status == ProjectStatus.CLOSED
        and project.closed_at is not None
        and project.closed_at < cutoff
    )


def _label(model: type[models.Model]) -> str:
    return model._meta.model_name or ""


@dataclass
class PurgeScope:
    """Every row of one application's purge. ``subjects`` maps a model name to primary keys."""

    application: Application
    project: Project | None
    application_users: list[ApplicationUser]
    members: list[User]  # the project's contractor accounts (their values are erased from the scope)
    accounts: list[User]  # of these, the ones with no other project still holding data: anonymised
    change_requests: list[ChangeRequest]
    change_items: list[ChangeItem]
    call_backs: list[CallBack]
    confirmations: list[ConfirmationRequest]
    unlisted_replies: list[UnlistedSenderReply]
    phone_calls: list[PhoneCall]
    supervisors: list[Supervisor]  # the directory people the application involved: never erased
    evidence: list[Evidence]
    # Received mail that became the application, a change request or a reply: erased with them.
    mailbox_messages: list[MailboxMessage] = field(default_factory=list)
    subjects: dict[str, set[int]] = field(default_factory=dict)

    def _subject_q(self, names: Iterable[str], *, extra: dict[str, set[int]] | None = None) -> Q:
        """Rows naming one of the scope's subjects of the given kinds (``subject_type``/``subject_id``)."""
        subjects = {**self.subjects, **(extra or {})}
        query = Q(pk__in=[])
        for name in names:
            ids = subjects.get(name)
            if ids:
                query |= Q(subject_type=name, subject_id__in=sorted(ids))
        return query

    def deliveries(self) -> QuerySet[Delivery]:
        names = [
            _label(m)
            for m in (
                Application,
                Project,
                User,
                Invoice,
                ChangeRequest,
                ConfirmationRequest,
                CallBack,
                MailboxMessage,
            )
        ]
        return Delivery.objects.filter(self._subject_q(names)).order_by("pk")

    def outbox_messages(self) -> QuerySet[OutboxMessage]:
        return OutboxMessage.objects.filter(delivery__in=self.deliveries()).order_by("pk")

    def audit_events(self) -> QuerySet[AuditEvent]:
        extra = {_label(Delivery): set(self.deliveries().values_list("pk", flat=True))}
        query = self._subject_q([*self.subjects, *extra], extra=extra)
        if self.accounts:
            query |= Q(actor__in=[user.pk for user in self.accounts])
        return AuditEvent.objects.filter(query).order_by("pk")

    def admin_log_entries(self) -> QuerySet[LogEntry]:
        models_by_name = {
            _label(m): m
            for m in (Application, Project, User, ChangeRequest, CallBack, ConfirmationRequest, PhoneCall)
        }
        query = Q(pk__in=[])
        for name, model in models_by_name.items():
            ids = self.subjects.get(name)
            if ids:
                content_type = ContentType.objects.get_for_model(model)
                query |= Q(content_type=content_type, object_id__in=[str(pk) for pk in sorted(ids)])
        return LogEntry.objects.filter(query).order_by("pk")

    def counts(self) -> dict[str, int]:
        """How many rows of each kind the purge touches (for the dry run and the audit record)."""
        return {
            "application_users": len(self.application_users),
            "accounts": len(self.accounts),
            "change_requests": len(self.change_requests),
            "call_backs": len(self.call_backs),
            "confirmations": len(self.confirmations),
            "evidence_files": sum(1 for e in self.evidence if e.purged_at is None),
            "mailbox_messages": len(self.mailbox_messages),
            "deliveries": self.deliveries().count(),
            "audit_events": self.audit_events().count(),
        }


def purge_scope(*, application: Application) -> PurgeScope:
    """Everything holding personal data of the people on ``application`` (and its project, if any)."""
    project = Project.objects.filter(application=application).first()
    change_requests = list(ChangeRequest.objects.filter(project=project).order_by("pk")) if project else []
    change_items = list(ChangeItem.objects.filter(request__in=change_requests).order_by("pk"))
    call_backs = list(CallBack.objects.filter(request__in=change_requests).order_by("pk"))
    members = _contractor_members(project=project, change_items=change_items) if project else []
    accounts = _accounts_to_anonymise(project=project, members=members) if project else []
    confirmations = list(ConfirmationRequest.objects.filter(application=application).order_by("pk"))
    unlisted_replies = list(UnlistedSenderReply.objects.filter(request__in=confirmations).order_by("pk"))
    phone_calls = list(PhoneCall.objects.filter(application=application).order_by("pk"))
    subjects: dict[str, set[int]] = {
        _label(Application): {application.pk},
        _label(ApplicationUser): set(application.users.values_list("pk", flat=True)),
        _label(CorrectionLink): set(application.correction_links.values_list("pk", flat=True)),
        _label(ConfirmationRequest): {c.pk for c in confirmations},
        _label(UnlistedSenderReply): {r.pk for r in unlisted_replies},
        _label(PhoneCall): {c.pk for c in phone_calls},
        _label(ChangeRequest): {r.pk for r in change_requests},
        _label(ChangeItem): {i.pk for i in change_items},
        _label(CallBack): {c.pk for c in call_backs},
        _label(User): {u.pk for u in accounts},
    }
    if project is not None:
        subjects[_label(Project)] = {project.pk}
        subjects[_label(Membership)] = set(project.memberships.values_list("pk", flat=True))
        subjects[_label(Invoice)] = set(Invoice.objects.filter(project=project).values_list("pk", flat=True))
    mailbox_messages = list(messages_resulting_in(subjects=subjects))
    subjects[_label(MailboxMessage)] = {m.pk for m in mailbox_messages}
    evidence_ids = {
        *(r.form_evidence_id for r in change_requests),
        *(c.evidence_id for c in call_backs),
        *(c.reply_evidence_id for c in confirmations),
        *(r.evidence_id for r in unlisted_replies),
        *(m.evidence_id for m in mailbox_messages),
    } - {None}
    evidence_subjects = [
        _label(m) for m in (Application, ChangeRequest, ChangeItem, CallBack, ConfirmationRequest, PhoneCall)
    ]
    scope = PurgeScope(
        application=application,
        project=project,
        application_users=list(application.users.order_by("position")),
        members=members,
        accounts=accounts,
        change_requests=change_requests,
        change_items=change_items,
        call_backs=call_backs,
        confirmations=confirmations,
        unlisted_replies=unlisted_replies,
        phone_calls=phone_calls,
        supervisors=_supervisors(application=application, project=project),
        evidence=[],
        subjects=subjects,
        mailbox_messages=mailbox_messages,
    )
    scope.evidence = list(
        Evidence.objects.filter(scope._subject_q(evidence_subjects) | Q(pk__in=evidence_ids)).order_by("pk")
    )
    subjects[_label(Evidence)] = {e.pk for e in scope.evidence}
    return scope


def _supervisors(*, application: Application, project: Project | None) -> list[Supervisor]:
    """The directory supervisors of the application, its confirmations and calls, and the project."""
    query = (
        Q(applications=application)
        | Q(confirmation_requests__application=application)
        | Q(phone_calls__application=application)
    )
    if project is not None:
        query |= Q(account__memberships__project=project)
    return list(Supervisor.objects.filter(query).distinct().order_by("pk"))


def _contractor_members(*, project: Project, change_items: list[ChangeItem]) -> list[User]:
    """The project's contractor accounts, including one taken off it by a change (named by its ID)."""
    targets = {item.target for item in change_items if item.target}
    return list(
        User.objects.filter(role=Role.CONTRACTOR)
        .filter(Q(memberships__project=project) | Q(username__in=targets, memberships__isnull=True))
        .distinct()
        .order_by("pk")
    )


def _accounts_to_anonymise(*, project: Project, members: list[User]) -> list[User]:
    """Members with no membership in another project whose personal data is still kept."""
    elsewhere = (
        Membership.objects.filter(user=OuterRef("pk"))
        .exclude(project=project)
        .filter(project__application__personal_data_purged_at__isnull=True)
    )
    return list(
        User.objects.filter(pk__in=[u.pk for u in members])
        .annotate(kept_elsewhere=Exists(elsewhere))
        .filter(kept_elsewhere=False)
        .order_by("pk")
    )
