"""Writes of the applications app. Every change: one atomic function, audit row and notices inside."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application, ApplicationUser, Channel
from calsreg.applications.numbering import receipt_number_next
from calsreg.applications.selectors import duplicate_candidate
from calsreg.applications.validation import ApplicationData
from calsreg.core import clock
from calsreg.core.errors import FieldError, ValidationFailed
from calsreg.directory.models import Supervisor
from calsreg.notifications.models import StaffNoticeKind
from calsreg.notifications.services import notification_enqueue
from calsreg.notifications.staff_services import staff_notice_post
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store


@dataclass(frozen=True)
class ReceivedFile:
    """An original as received (workbook, mail, or the web/API submission as JSON): kept as evidence."""

    content: bytes
    filename: str
    content_type: str
    kind: str


EVIDENCE_KIND_BY_CHANNEL = {
    Channel.WEB: EvidenceKind.APPLICATION_WEB,
    Channel.API: EvidenceKind.APPLICATION_API,
    Channel.WORKBOOK: EvidenceKind.APPLICATION_WORKBOOK,
    Channel.DESK_WORKBOOK: EvidenceKind.APPLICATION_WORKBOOK,
    Channel.DESK_MAIL: EvidenceKind.APPLICATION_WORKBOOK,
    Channel.MAILBOX: EvidenceKind.APPLICATION_WORKBOOK,
}


def submission_as_evidence(*, raw: dict, channel: str) -> ReceivedFile:
    """The web form's or API's submission, exactly as received, as a JSON document."""
    content = json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode("utf-8")
    return ReceivedFile(
        content=content,
        filename=f"application-{channel}.json",
        content_type="application/json",
        kind=EVIDENCE_KIND_BY_CHANNEL[Channel(channel)],
    )


@transaction.atomic
def application_submit(
    *,
    data: ApplicationData,
    channel: str,
    actor: Actor,
    originals: Iterable[ReceivedFile],
    language: str = "ja",
) -> Application:
    """Record a validated application, keep its originals as evidence, and acknowledge it by mail.

    The acknowledgment goes to the applicant's address on the form: it only says the form arrived.
    (Confirmation of genuineness goes to the directory's supervisors, never to the form's contacts.)
    """
    now = clock.now()
    application = Application(
        receipt_number=receipt_number_next(year=timezone.localtime(now).year),
        channel=channel,
        submitted_at=now,
        terms_version=settings.TERMS_VERSION,
        terms_accepted_at=now,
    )
    content_apply(application=application, data=data)
    originals_store(application=application, originals=originals, actor=actor, now=now)
    audit_record(
        actor=actor,
        action="application.submitted",
        subject=application,
        at=now,
        summary=gettext_noop("利用申込を受け付けました（%(channel)s）。"),
        summary_params={"channel": str(application.get_channel_display())},
        data={
            "receipt_number": application.receipt_number,
            "channel": channel,
            "duplicate_of": application.duplicate_of.receipt_number if application.duplicate_of else None,
        },
    )
    staff_notice_post(
        kind=StaffNoticeKind.APPLICATION_RECEIVED,
        subject=application,
        at=now,
        summary=gettext_noop("新しい申込 %(receipt)s「%(project)s」（%(company)s）"),
        summary_params={
            "receipt": application.receipt_number,
            "project": application.project_name,
            "company": application.contractor_name,
        },
    )
    acknowledgment_enqueue(
        application=application,
        notices=data.notices,
        language=language,
        key=f"application_received:{application.pk}",
    )
    return application


def content_apply(*, application: Application, data: ApplicationData) -> None:
    """Write validated content onto ``application`` (new or being corrected): fields, users, supervisors.

    The duplicate check runs again because a correction may change the project or the company.
    """
    application.form_version = data.form_version
    application.office = data.office
    application.stated_supervisors = data.stated_supervisors
    application.notices = data.notices
    for name, value in data.values.items():
        setattr(application, name, value)
    candidate = duplicate_candidate(
        office=data.office,
        project_number=application.project_number,
        contractor_name=application.contractor_name,
    )
    application.duplicate_of = candidate if candidate is None or candidate.pk != application.pk else None
    application.full_clean(exclude=["supervisors", "receipt_number"] if application.pk else ["supervisors"])
    application.save()
    application.users.all().delete()
    ApplicationUser.objects.bulk_create(
        ApplicationUser(application=application, **user) for user in data.users
    )
    application.supervisors.set(data.supervisors)


def originals_store(
    *, application: Application, originals: Iterable[ReceivedFile], actor: Actor, now: datetime
) -> None:
    for original in originals:
        evidence_store(
            content=original.content,
            original_name=original.filename,
            content_type=original.content_type,
            kind=original.kind,
            subject=application,
            actor=actor,
            received_at=now,
        )


def acknowledgment_enqueue(*, application: Application, notices: list[str], language: str, key: str) -> None:
    """The applicant's acknowledgment (on submission and on each resubmission)."""
    notification_enqueue(
        kind="application_received",
        to=application.applicant_email,
        subject=application,
        idempotency_key=key,
        language=language,
        context={
            "receipt_number": application.receipt_number,
            "project_name": application.project_name,
            "office_name": application.office.name,
            "contractor_name": application.contractor_name,
            "applicant_name": application.applicant_name,
            "submitted_at": application.submitted_at.isoformat(),
            "status_url": settings.SITE_URL + reverse("portal:status"),
            "notices": list(notices),
        },
    )


@transaction.atomic
def application_match_supervisors(
    *, application: Application, supervisor_ids: list[int], actor: Actor
) -> Application:
    """The desk matches the names typed on a workbook to the office's directory entries.

    Only active supervisors of the application's own office can be chosen: the typed names are never
    trusted as contacts.
    """
    application = Application.objects.select_for_update().get(pk=application.pk)
    chosen = list(Supervisor.objects.filter(pk__in=supervisor_ids, office=application.office_id, active=True))
    if not chosen or len(chosen) != len(set(supervisor_ids)):
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="supervisor_ids",
                    label=_("発注者の監督員"),
                    message=_("この申込の発注事務所の名簿から、監督員を1人以上選んでください。"),
                )
            ]
        )
    before = sorted(application.supervisors.values_list("code", flat=True))
    application.supervisors.set(chosen)
    audit_record(
        actor=actor,
        action="application.supervisors_matched",
        subject=application,
        summary=gettext_noop("監督員を名簿と照合しました。"),
        data={"before": before, "after": sorted(s.code for s in chosen)},
    )
    return application


def application_viewed(*, application: Application, actor: Actor) -> None:
    """Record that staff opened an application's personal data (security invariant 5)."""
    audit_record(
        actor=actor,
        action="application.viewed",
        subject=application,
        summary=gettext_noop("申込内容（個人情報を含む）を閲覧しました。"),
    )
