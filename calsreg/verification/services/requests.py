"""Confirmation requests: the mail to the directory supervisors, its send-time link, reminders.

Security invariants 1 and 3: the targets are the application's directory supervisors only (there is
no parameter for an address), and a link's token is made when its mail is sent — only the hash is
stored, on one request, which names one application and one supervisor.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application
from calsreg.applications.services import application_confirmation_started
from calsreg.applications.states import Status, ensure_transition
from calsreg.core import clock
from calsreg.core.calendar import add_business_days
from calsreg.core.errors import Conflict, FieldError, ValidationFailed
from calsreg.core.secrets import secret_generate, secret_hash
from calsreg.directory.models import Supervisor
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import Secret
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record
from calsreg.verification.models import ConfirmationRequest
from calsreg.verification.selectors import directory_supervisors, overdue_requests

REQUEST_KIND = "confirmation_request"
REMINDER_KIND = "confirmation_reminder"
DESK_OVERDUE_KIND = "confirmation_overdue_desk"


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application.pk)


def _open_locked(application: Application) -> list[ConfirmationRequest]:
    return list(
        ConfirmationRequest.objects.select_for_update()
        .filter(application=application, answered_at__isnull=True, superseded_at__isnull=True)
        .order_by("id")
    )


@transaction.atomic
def confirmation_request_send(
    *,
    application: Application,
    actor: Actor,
    language: str = "ja",
    expected_open_ids: Collection[int] | None = None,
) -> list[ConfirmationRequest]:
    """Mail a confirmation request with a single-use link to each of the application's directory
    supervisors. From ``submitted`` the application moves to ``awaiting_confirmation``; while
    ``awaiting_confirmation`` it is a re-send that supersedes the open requests (their links stop
    working).

    ``expected_open_ids`` (the open requests the operator saw) turns a double click, or two operators
    at once, into a Conflict instead of a second set of mails.

    Raises InvalidTransition (any other state), ValidationFailed (no directory supervisor yet),
    Conflict (``expected_open_ids`` outdated); nothing is changed or sent then.
    """
    if actor.user is None:
        raise ValueError("a confirmation request is sent by a staff user")
    application = _locked(application)
    previous_status = application.status
    if previous_status != Status.AWAITING_CONFIRMATION:
        ensure_transition(previous_status, Status.AWAITING_CONFIRMATION)  # refused before anything is sent
    open_requests = _open_locked(application)
    if expected_open_ids is not None and {r.pk for r in open_requests} != set(expected_open_ids):
        raise Conflict(
            _("この申込の確認依頼は、直前に別の操作で送信されています。画面を開き直してください。")
        )
    supervisors = list(directory_supervisors(application=application))
    if not supervisors:
        raise ValidationFailed(errors=[_no_supervisor_error()])
    now, today = clock.now(), clock.today()
    for superseded in open_requests:
        superseded.superseded_at = now
        superseded.save(update_fields=["superseded_at", "updated_at"])
    if previous_status != Status.AWAITING_CONFIRMATION:
        application = application_confirmation_started(application=application, actor=actor, at=now)
    created = [
        _request_create(
            application=application,
            supervisor=supervisor,
            actor=actor,
            language=language,
            now=now,
            today=today,
        )
        for supervisor in supervisors
    ]
    audit_record(
        actor=actor,
        action="confirmation.resent" if open_requests else "confirmation.sent",
        subject=application,
        at=now,
        summary=(
            gettext_noop("内容確認メールを再送しました（前回のリンクは無効になりました）: %(names)s")
            if open_requests
            else gettext_noop("発注者の監督員（名簿）へ内容確認メールを送信しました: %(names)s")
        ),
        summary_params={"names": "、".join(supervisor.name for supervisor in supervisors)},
        data={
            "status": [previous_status, application.status],
            "requests": [
                {
                    "id": r.pk,
                    "supervisor_id": r.supervisor_id,
                    "sent_to": r.sent_to,
                    "due_back_on": r.due_back_on.isoformat(),
                }
                for r in created
            ],
            "superseded": [request.pk for request in open_requests],
        },
    )
    return created


def _no_supervisor_error() -> FieldError:
    return FieldError(
        field="supervisors",
        label=_("発注者の監督員"),
        message=_(
            "名簿の監督員がまだ決まっていません。申込書に書かれた監督員を発注者名簿と照合してから、"
            "確認メールを送ってください（確認メールは名簿のアドレスにだけ送ります）。"
        ),
    )


def _request_create(
    *,
    application: Application,
    supervisor: Supervisor,
    actor: Actor,
    language: str,
    now: datetime,
    today: date,
) -> ConfirmationRequest:
    request = ConfirmationRequest.objects.create(
        application=application,
        supervisor=supervisor,
        # The directory's address at this moment: the only place a confirmation mail can go.
        sent_to=supervisor.email,
        sent_by=actor.user,
        # Replaced when the mail is sent (confirmation_link_prepare); this token is never known.
        token_hash=secret_hash(secret_generate()),
        expires_at=now + timedelta(days=settings.CONFIRMATION_LINK_DAYS),
        due_back_on=add_business_days(today, settings.CONFIRMATION_DUE_BUSINESS_DAYS),
        language=language,
    )
    notification_enqueue(
        kind=REQUEST_KIND,
        to=request.sent_to,
        subject=application,
        idempotency_key=f"{REQUEST_KIND}:{request.pk}",
        language=language,
        context=_mail_context(request=request, application=application, supervisor=supervisor),
    )
    return request


def _mail_context(
    *, request: ConfirmationRequest, application: Application, supervisor: Supervisor
) -> dict[str, Any]:
    """What the supervisor's mail shows: the project and the contractor, as the mail summarises them
    (the same as the confirmation page shows). JSON values only; the link comes at send time."""
    return {
        "confirmation_request_id": request.pk,
        "supervisor_name": supervisor.name,
        "office_name": application.office.name,
        "receipt_number": application.receipt_number,
        "project_number": application.project_number,
        "project_name": application.project_name,
        "project_location": application.project_location,
        "period_start": application.period_start.isoformat(),
        "period_end": application.period_end.isoformat(),
        "contract_amount": application.contract_amount,
        "contractor_name": application.contractor_name,
        "contractor_representative": application.contractor_representative,
        "applicant_name": application.applicant_name,
        "expires_on": timezone.localdate(request.expires_at).isoformat(),
        "due_back_on": request.due_back_on.isoformat(),
    }


def confirmation_link_prepare(*, delivery: Delivery) -> Mapping[str, Any]:
    """Send-time hook of the request and reminder mails: make the link's token now, keep its hash.

    Each attempt makes a new token, so only the link in the mail actually sent last works. A request
    answered or superseded before its mail left raises (the attempt fails; no stale link goes out).
    """
    token = secret_generate()
    with transaction.atomic():
        updated = ConfirmationRequest.objects.filter(
            pk=delivery.context["confirmation_request_id"],
            answered_at__isnull=True,
            superseded_at__isnull=True,
        ).update(token_hash=secret_hash(token))
    if not updated:
        raise RuntimeError("the confirmation request was answered or superseded before its mail was sent")
    return {"confirm_url": Secret.link(settings.SITE_URL + reverse("portal:confirm", args=[token]))}


def confirmations_overdue_sweep(*, today: date | None = None) -> int:
    """Remind the supervisor of each open request past its due business day (a new link) and tell
    the desk; return how many were reminded. Each request is reminded once; on a non-business day
    nothing happens (the reminder waits for the next business day). Safe to run again."""
    today = today or clock.today()
    reminded = 0
    for request_id in list(overdue_requests(today=today).values_list("pk", flat=True)):
        reminded += _remind(request_id=request_id, today=today)
    return reminded


@transaction.atomic
def _remind(*, request_id: int, today: date) -> int:
    application_id = ConfirmationRequest.objects.values_list("application_id", flat=True).get(pk=request_id)
    # Application first, then the request: the same lock order as every other confirmation service.
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application_id)
    )
    request = (
        overdue_requests(today=today)
        .select_for_update(of=("self",))
        .select_related("supervisor")
        .filter(pk=request_id)
        .first()
    )
    if request is None:  # answered, superseded or reminded meanwhile
        return 0
    now = clock.now()
    supervisor = request.supervisor
    # Remind only at the address the request went to, and only while it is still the directory's.
    still_listed = directory_supervisors(application=application).filter(
        pk=supervisor.pk, email=request.sent_to
    )
    mailed = still_listed.exists()
    request.reminded_at = now
    request.expires_at = max(request.expires_at, now + timedelta(days=settings.CONFIRMATION_LINK_DAYS))
    request.save(update_fields=["reminded_at", "expires_at", "updated_at"])
    context = _mail_context(request=request, application=application, supervisor=supervisor)
    if mailed:
        notification_enqueue(
            kind=REMINDER_KIND,
            to=request.sent_to,
            subject=application,
            idempotency_key=f"{REMINDER_KIND}:{request.pk}",
            language=request.language,
            context=context,
        )
    notification_enqueue(
        kind=DESK_OVERDUE_KIND,
        to=settings.HELP_DESK_EMAIL,
        subject=application,
        idempotency_key=f"{DESK_OVERDUE_KIND}:{request.pk}",
        context={
            **context,
            "sent_to": request.sent_to,
            "reminder_sent": mailed,
            "desk_url": settings.SITE_URL + reverse("desk:application_detail", args=[application.pk]),
        },
    )
    audit_record(
        actor=Actor.system("confirmation_sweep"),
        action="confirmation.reminded",
        subject=application,
        at=now,
        summary=(
            gettext_noop(
                "回答期限を過ぎたため、監督員に催促メールを送り、ヘルプデスクに知らせました: %(name)s"
            )
            if mailed
            else gettext_noop(
                "回答期限を過ぎました。名簿の連絡先が変わったため催促メールは送らず、ヘルプデスクに知らせました: %(name)s"
            )
        ),
        summary_params={"name": supervisor.name},
        data={"request_id": request.pk, "due_back_on": request.due_back_on.isoformat(), "mailed": mailed},
    )
    return 1
