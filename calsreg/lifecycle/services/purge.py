"""Erasing personal data once its retention period is over (end of use and retention, issue 5).

A closed project keeps its people's data PERSONAL_DATA_RETENTION_DAYS after ``closed_at`` (a
question about the project, a late payment, a dispute); an application that never became a project
(rejected, withdrawn) the same number of days after its last update. Then ``personal_data_purge_due``
— the daily job ``purge_personal_data`` — erases it, one application (with its project) per
transaction. Invoices and their PDFs are kept longer and are not touched (docs/retention.md).

What is erased from each kind of row is decided by the app that owns it (``*_personal_data_erase``
in accounts, applications, changes, verification, records, notifications and events): this module finds the
scope and the values, builds the ``Redactor`` and runs them in one transaction, then records what it
erased — counts only.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts import credentials
from calsreg.accounts.models import Project, ProjectStatus
from calsreg.accounts.services import accounts_anonymise, project_personal_data_erase
from calsreg.applications.models import Application
from calsreg.applications.services import APPLICATION_PERSONAL_FIELDS, application_personal_data_erase
from calsreg.changes.catalog import item_is_personal
from calsreg.changes.services import change_requests_personal_data_erase
from calsreg.core import clock
from calsreg.core.errors import Conflict
from calsreg.events.services import events_personal_data_erase
from calsreg.lifecycle.redaction import Redactor, personal_values_in
from calsreg.lifecycle.selectors import (
    ENDED_WITHOUT_PROJECT,
    PurgeScope,
    application_is_due,
    applications_due_for_purge,
    projects_due_for_purge,
    purge_scope,
)
from calsreg.lifecycle.services.mailbox import mailbox_messages_purge_due
from calsreg.mailbox.services import mailbox_messages_personal_data_erase
from calsreg.notifications.services import deliveries_personal_data_erase
from calsreg.records.backup.lock import file_deletion_lock
from calsreg.records.services import (
    Actor,
    audit_events_personal_data_erase,
    audit_record,
    evidence_personal_data_erase,
)
from calsreg.verification.services import confirmations_personal_data_erase

logger = logging.getLogger(__name__)

PURGE_JOB_ACTOR = "purge_personal_data"
_PERSON_ITEM_KEYS = frozenset({"name", "kana", "email", "phone"})


class PurgeIncomplete(RuntimeError):
    """Some applications due could not be purged (logged); the others were. The next run retries."""


def personal_data_purge_due(*, today: date | None = None, actor: Actor | None = None) -> int:
    """Purge every closed project and ended application past retention on ``today`` (Japan), then
    the received mail past its own retention (``mailbox.mailbox_messages_purge_due``).

    Returns how many were purged (projects, applications and received messages together). Each
    application in its own transaction, the mail in batches; one that fails is logged and the others
    go on, then ``PurgeIncomplete`` is raised so the daily run reports it. Running again purges
    nothing twice.
    """
    today = today or clock.today()
    actor = actor or Actor.system(PURGE_JOB_ACTOR)
    due = [
        *projects_due_for_purge(today=today).values_list("application_id", flat=True),
        *applications_due_for_purge(today=today).values_list("pk", flat=True),
    ]
    purged = 0
    failed: list[int] = []
    for application_id in due:
        try:
            # Evidence files are deleted: never while a backup copies them (records.backup.lock).
            with file_deletion_lock():
                purged += _purge_if_due(application_id=application_id, today=today, actor=actor)
        except Exception:  # logged and reported at the end: the others must still be purged
            logger.exception("purging the personal data of application %s failed", application_id)
            failed.append(application_id)
    mail_failed = False
    try:
        purged += mailbox_messages_purge_due(today=today, actor=actor)
    except Exception:  # logged and reported at the end, like an application's
        logger.exception("purging received mail past its retention failed")
        mail_failed = True
    if failed or mail_failed:
        raise PurgeIncomplete(
            f"{purged} purged; failed for applications {failed}"
            + ("; received mail failed" if mail_failed else "")
        )
    return purged


@transaction.atomic
def _purge_if_due(*, application_id: int, today: date, actor: Actor) -> int:
    application = Application.objects.select_for_update().get(pk=application_id)
    # Checked again under the lock: another run may have purged it, or the desk touched it, meanwhile.
    if not application_is_due(application=application, today=today):
        return 0
    _purge(application=application, actor=actor, now=clock.now())
    return 1


def application_personal_data_purge(*, application: Application, actor: Actor) -> Application:
    """Erase the personal data of ``application`` and its project now, whatever the retention.

    For the daily job, and for a deletion request once use has ended. An application purged
    already is returned unchanged. Raises ``Conflict`` while the project is not closed or the
    application is still being processed.
    """
    with file_deletion_lock():  # held until the transaction below ended: see records.backup.lock
        return _application_purge_now(application=application, actor=actor)


@transaction.atomic
def _application_purge_now(*, application: Application, actor: Actor) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.personal_data_purged_at is None:
        _purge(application=application, actor=actor, now=clock.now())
    return application


def _purge(*, application: Application, actor: Actor, now: datetime) -> None:
    project = Project.objects.select_for_update().filter(application=application).first()
    in_use = (project is not None and project.status != ProjectStatus.CLOSED) or (
        project is None and application.status not in ENDED_WITHOUT_PROJECT
    )
    if in_use:
        raise Conflict(
            _(
                "利用中の工事や処理中の申込の個人データは消去できません。"
                "工事の利用終了後、または申込の却下・取下げの後に消去してください。"
            )
        )
    scope = purge_scope(application=application)
    counts = scope.counts()
    values, identifiers = _people_values(scope)
    emails = {value.strip().lower() for value in values if "@" in value}
    # Each app erases its own rows through its own service; this one only runs them in order.
    renames = accounts_anonymise(user_ids=[user.pk for user in scope.accounts])
    redactor = Redactor(values=values, identifiers=identifiers, renames=renames)
    application_personal_data_erase(application=application, scrub=redactor, now=now)
    if scope.project is not None:
        project_personal_data_erase(project=scope.project, scrub=redactor)
        change_requests_personal_data_erase(project=scope.project, scrub=redactor, now=now)
    confirmations_personal_data_erase(application=application, scrub=redactor)
    mailbox_messages_personal_data_erase(message_ids=[m.pk for m in scope.mailbox_messages], scrub=redactor)
    counts["evidence_files"] = evidence_personal_data_erase(
        evidence_ids=[evidence.pk for evidence in scope.evidence], scrub=redactor, now=now
    )
    deliveries_personal_data_erase(deliveries=scope.deliveries(), scrub=redactor, emails=emails)
    audit_events_personal_data_erase(
        events=scope.audit_events(),
        scrub=redactor,
        renames=renames,
        renamed_actor_ids={user.pk for user in scope.accounts},
    )
    events_personal_data_erase(
        renames=renames, scrub=redactor, project_number=scope.project.project_number if scope.project else ""
    )
    _admin_log_erase(entries=scope.admin_log_entries(), scrub=redactor)
    _audit(scope=scope, actor=actor, counts=counts, now=now)
    application.refresh_from_db()


def _admin_log_erase(*, entries: QuerySet[LogEntry], scrub: Redactor) -> None:
    """The Django admin's log (a framework table no app of ours owns) of the scope's rows."""
    rows = list(entries)
    for entry in rows:
        entry.object_repr = scrub.text(entry.object_repr)[:200]
        entry.change_message = scrub.text(entry.change_message)
    LogEntry.objects.bulk_update(rows, ["object_repr", "change_message"], batch_size=500)


def _people_values(scope: PurgeScope) -> tuple[set[str], set[str]]:
    """The values to erase wherever they were copied, and the requested IDs (matched as words).

    Current values, and earlier ones still visible in the scope: a change item's before/after,
    a call-back's name and number, audit data and mail contexts under personal keys.
    """
    application = scope.application
    values = {getattr(application, name) for name in APPLICATION_PERSONAL_FIELDS}
    for user in scope.application_users:
        values |= {user.name, user.kana, user.email, user.phone}
    for member in scope.members:
        values |= {member.display_name, member.kana, member.email, member.phone}
        values |= {member.first_name, member.last_name}
    for request in scope.change_requests:
        values |= {request.requester_name, request.requester_phone, request.requester_email}
    for item in scope.change_items:
        if item_is_personal(item.kind, item.field):
            values |= _item_values(item.before) | _item_values(item.after)
    for call in scope.call_backs:
        values |= {call.contact_name, call.phone_number}
    values |= {request.reply_from for request in scope.confirmations}
    values |= {reply.sender for reply in scope.unlisted_replies}
    values |= {message.from_address for message in scope.mailbox_messages}
    for event in scope.audit_events():
        values |= personal_values_in(event.data) | personal_values_in(event.summary_params)
    for delivery in scope.deliveries():
        values |= personal_values_in(delivery.context)
    # The supervisors are directory people, kept: their address (e.g. a reply's sender) is not erased.
    directory = {v.strip().lower() for s in scope.supervisors for v in (s.name, s.email, s.phone)}
    # A kept account (another project still in use) keeps its ID: its requested part is not erased.
    kept = {credentials.requested_part_of(u.username) for u in scope.members if u not in scope.accounts}
    identifiers = {user.requested_id for user in scope.application_users}
    identifiers |= {credentials.requested_part_of(u.username) for u in scope.accounts}
    return {v for v in values if v and v.strip() and v.strip().lower() not in directory}, identifiers - kept


def _item_values(value: object) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {v for k, v in value.items() if k in _PERSON_ITEM_KEYS and isinstance(v, str)}
    return set()


def _audit(*, scope: PurgeScope, actor: Actor, counts: dict[str, int], now: datetime) -> None:
    # Counts only: the values erased must not reappear in the record of their erasure.
    summary = gettext_noop(
        "保存期間（%(days)s日）を過ぎた個人データを消去しました（証跡ファイル%(files)s件、アカウント%(accounts)s件）。"
    )
    params = {
        "days": settings.PERSONAL_DATA_RETENTION_DAYS,
        "files": counts["evidence_files"],
        "accounts": counts["accounts"],
    }
    data = {**counts, "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS}
    if scope.project is not None:
        audit_record(
            actor=actor,
            action="project.personal_data_purged",
            subject=scope.project,
            at=now,
            summary=summary,
            summary_params=params,
            data={**data, "application_id": scope.application.pk},
        )
    audit_record(
        actor=actor,
        action="application.personal_data_purged",
        subject=scope.application,
        at=now,
        summary=summary,
        summary_params=params,
        data={**data, "project_id": scope.project.pk if scope.project else None},
    )
