"""Filing a change request (seed step 7) and assigning it to an operator."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import Project, ProjectStatus, User
from calsreg.changes.models import ChangeChannel, ChangeItem, ChangeRequest
from calsreg.changes.numbering import change_number_next
from calsreg.changes.services.notices import (
    filing_context,
    people_to_tell,
    project_mail_context,
    recipients_on_file,
)
from calsreg.changes.validation import ChangeData, validate_change
from calsreg.core import clock
from calsreg.core.errors import DomainError, InvalidTransition
from calsreg.notifications.models import StaffNoticeKind
from calsreg.notifications.services import notification_enqueue
from calsreg.notifications.staff_services import staff_notice_post
from calsreg.records.models import EvidenceKind
from calsreg.records.services import Actor, audit_record, evidence_store

RECEIVED_KIND = "change_request_received"
CONCERNED_KIND = "change_request_concerned"


@dataclass(frozen=True)
class ChangeForm:
    """The change form as received (an uploaded workbook); web and API requests are kept as JSON."""

    content: bytes
    filename: str
    content_type: str


@transaction.atomic
def change_request_submit(
    *,
    project: Project,
    raw: dict[str, Any],
    channel: str,
    actor: Actor,
    filed_by: User | None = None,
    form: ChangeForm | None = None,
    language: str = "ja",
    registration_hidden: bool = False,
) -> ChangeRequest:
    """Validate and file a change request for ``project``; nothing is changed on the project.

    Raises ValidationFailed listing every problem (nothing is stored then), DomainError for a closed
    project. ``registration_hidden`` for a filer who may not see the registration (the portal):
    see ``changes.validation``. The acknowledgment goes to the addresses on file (the 申込担当者 and
    the filing account), never to an address written on the form; each other person whose data it
    changes is told at their own address on file (``notices.people_to_tell``).
    """
    project = (
        Project.objects.select_for_update(of=("self", "application"))
        .select_related("application", "office")
        .get(pk=project.pk)
    )
    if project.status == ProjectStatus.CLOSED:
        raise DomainError(_("利用を終了した工事の変更は受け付けられません。ヘルプデスクへご連絡ください。"))
    data = validate_change(project=project, raw=raw, registration_hidden=registration_hidden)
    now = clock.now()
    request = ChangeRequest.objects.create(
        number=change_number_next(year=clock.today().year),
        project=project,
        channel=ChangeChannel(channel),
        submitted_at=now,
        filed_by=filed_by,
        requester_name=data.requester_name,
        requester_phone=data.requester_phone,
        requester_email=data.requester_email,
        reason=data.reason,
        language=language,
        notices=data.notices,
    )
    items = ChangeItem.objects.bulk_create(
        ChangeItem(
            request=request,
            position=position,
            kind=item.spec.kind,
            field=item.spec.field,
            target=item.target,
            before=item.before,
            after=item.after,
        )
        for position, item in enumerate(data.items, start=1)
    )
    if form is None:
        form = ChangeForm(
            content=json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=True, default=str).encode(
                "utf-8"
            ),
            filename=f"change-{request.channel}.json",
            content_type="application/json",
        )
    request.form_evidence = evidence_store(
        content=form.content,
        original_name=form.filename,
        content_type=form.content_type,
        kind=EvidenceKind.CHANGE_FORM,
        subject=request,
        actor=actor,
        received_at=now,
    )
    request.save(update_fields=["form_evidence", "updated_at"])
    audit_record(
        actor=actor,
        action="change_request.submitted",
        subject=request,
        at=now,
        summary=gettext_noop(
            "変更申込 %(number)s を受け付けました（%(count)s項目、工事 %(project_number)s）。"
        ),
        summary_params={
            "number": request.number,
            "count": len(data.items),
            "project_number": project.project_number,
        },
        data={"project_id": project.pk, "fields": [item.spec.field for item in data.items]},
    )
    staff_notice_post(
        kind=StaffNoticeKind.CHANGE_REQUEST_FILED,
        subject=request,
        at=now,
        summary=gettext_noop("変更申込 %(number)s（工事 %(project_number)s、%(count)s項目）"),
        summary_params={
            "number": request.number,
            "project_number": project.project_number,
            "count": len(items),
        },
    )
    _filing_notify(request=request, items=items, data=data)
    return request


def _filing_notify(*, request: ChangeRequest, items: list[ChangeItem], data: ChangeData) -> None:
    """The acknowledgement to the addresses on file, and one notice to each other person concerned —
    at their address on file, so a co-member or a forger cannot change someone's data unnoticed."""
    context = {
        **project_mail_context(request.project),
        **filing_context(request),
        "number": request.number,
        "submitted_at": request.submitted_at.isoformat(),
    }
    acknowledged = recipients_on_file(request)
    # The input corrections quote what was typed — perhaps a forger's new address or number — so only
    # the one who typed it reads them: the filing account, or with none the 申込担当者 on file.
    filer = request.filed_by
    typist = filer.email if filer is not None else request.project.application.applicant_email
    for address, name in acknowledged.items():
        notification_enqueue(
            kind=RECEIVED_KIND,
            to=address,
            subject=request,
            idempotency_key=f"{RECEIVED_KIND}:{request.pk}:{address}",
            language=request.language,
            context={
                **context,
                "items": [str(item.spec.label) for item in data.items],
                "notices": list(data.notices) if address == typist else [],
                "status_url": settings.SITE_URL + reverse("portal:status"),
                "recipient_name": name,
            },
        )
    for person in people_to_tell(request, items=items, told=acknowledged):
        notification_enqueue(
            kind=CONCERNED_KIND,
            to=person.address,
            subject=request,
            idempotency_key=f"{CONCERNED_KIND}:{request.pk}:{person.key}",
            language=request.language,
            context={**context, "items": list(person.items), "recipient_name": person.name},
        )


@transaction.atomic
def change_request_assign(*, request: ChangeRequest, operator: User | None, actor: Actor) -> ChangeRequest:
    """Put ``operator`` (a help-desk member) in charge of ``request``; None leaves it unassigned."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if not request.is_open:
        raise InvalidTransition(
            _("処理が終わった変更申込の担当者は変更できません。"),
            current=request.status,
            target=request.status,
        )
    if operator is not None and not operator.is_desk_staff:
        raise DomainError(_("担当者はヘルプデスクの職員から選んでください。"))
    if request.assigned_to_id == (operator.pk if operator else None):
        return request
    request.assigned_to = operator
    request.save(update_fields=["assigned_to", "updated_at"])
    audit_record(
        actor=actor,
        action="change_request.assigned",
        subject=request,
        summary=gettext_noop("担当者を %(operator)s にしました。")
        if operator
        else gettext_noop("担当者の割り当てを外しました。"),
        summary_params={"operator": operator.get_username() if operator else ""},
    )
    return request


def change_request_viewed(*, request: ChangeRequest, actor: Actor) -> None:
    """Record that staff opened a change request and the personal data in it (invariant 5)."""
    audit_record(
        actor=actor,
        action="change_request.viewed",
        subject=request,
        summary=gettext_noop("変更申込の内容（個人情報を含む）を閲覧しました。"),
    )
