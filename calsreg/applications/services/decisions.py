"""The desk's and the applicant's decisions on an application outside the confirmation flow:
return for correction (差戻し) and resubmission, rejection, withdrawal.

Every function locks the application row, checks the transition table, writes the audit event and
enqueues the applicant's notice in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.applications.models import Application, CorrectionLink
from calsreg.applications.services.intake import (
    ReceivedFile,
    acknowledgment_enqueue,
    content_apply,
    originals_store,
)
from calsreg.applications.states import Status
from calsreg.applications.validation import ApplicationData
from calsreg.core import clock
from calsreg.core.errors import FieldError, NotFound, ValidationFailed
from calsreg.core.secrets import secret_generate, secret_hash
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import Secret
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("office").get(pk=application.pk)


def _applicant_context(application: Application) -> dict[str, Any]:
    return {
        "receipt_number": application.receipt_number,
        "project_name": application.project_name,
        "contractor_name": application.contractor_name,
        "applicant_name": application.applicant_name,
    }


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="reason", label=_("理由"), message=_("申込者に伝える理由を入力してください。")
                )
            ]
        )
    return reason


@transaction.atomic
def application_return(
    *, application: Application, reason: str, actor: Actor, language: str = "ja"
) -> Application:
    """Return the application to the applicant for correction, with a single-use correction link.

    The link's token is made when the mail is sent (``correction_link_prepare``), so it never rests in
    the database in clear; only its hash is kept on the ``CorrectionLink``.
    """
    reason = _reason_required(reason)
    application = _locked(application)
    application.transition_to(Status.RETURNED)
    application.decision_reason = reason
    application.save(update_fields=["status", "decision_reason", "updated_at"])
    now = clock.now()
    # A new return supersedes any earlier link.
    CorrectionLink.objects.filter(application=application, used_at__isnull=True).update(used_at=now)
    link = CorrectionLink.objects.create(
        application=application,
        token_hash=secret_hash(secret_generate()),  # replaced at send time; this one is never known
        expires_at=now + timedelta(days=settings.CORRECTION_LINK_DAYS),
    )
    audit_record(
        actor=actor,
        action="application.returned",
        subject=application,
        at=now,
        summary=gettext_noop("申込を差し戻しました（訂正依頼）。"),
        data={"reason": reason, "correction_link_id": link.pk},
    )
    notification_enqueue(
        kind="application_returned",
        to=application.applicant_email,
        subject=application,
        idempotency_key=f"application_returned:{link.pk}",
        language=language,
        context={
            **_applicant_context(application),
            "reason": reason,
            "correction_link_id": link.pk,
            "expires_on": timezone.localdate(link.expires_at).isoformat(),
        },
    )
    return application


def correction_link_prepare(*, delivery: Delivery) -> Mapping[str, Any]:
    """Send-time hook of ``application_returned``: make the link's token now and keep only its hash."""
    token = secret_generate()
    with transaction.atomic():
        updated = CorrectionLink.objects.filter(
            pk=delivery.context["correction_link_id"], used_at__isnull=True
        ).update(token_hash=secret_hash(token))
    if not updated:
        raise RuntimeError("the correction link was superseded before its mail was sent")
    return {"correction_url": Secret.link(settings.SITE_URL + reverse("portal:correct", args=[token]))}


def correction_link_check(*, token: str) -> Application:
    """The application behind a usable correction link; NotFound for an unknown, used or expired one."""
    link = (
        CorrectionLink.objects.select_related("application", "application__office")
        .filter(token_hash=secret_hash(token), used_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if link is None or link.application.status != Status.RETURNED:
        raise NotFound(
            _("このリンクは使用済みか、有効期限が切れています。ヘルプデスクにお問い合わせください。")
        )
    return link.application


@transaction.atomic
def application_resubmit(
    *,
    token: str,
    data: ApplicationData,
    originals: Iterable[ReceivedFile],
    actor: Actor,
    language: str = "ja",
) -> Application:
    """The applicant's corrected application, through the correction link: validated again like a new
    one, it keeps its receipt number and goes back into the queue as submitted."""
    link = (
        CorrectionLink.objects.select_for_update()
        .filter(token_hash=secret_hash(token), used_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if link is None:
        raise NotFound(
            _("このリンクは使用済みか、有効期限が切れています。ヘルプデスクにお問い合わせください。")
        )
    application = _locked(link.application)
    application.transition_to(Status.SUBMITTED)
    now = clock.now()
    link.used_at = now
    link.save(update_fields=["used_at"])
    before = {name: str(getattr(application, name)) for name in data.values}
    application.submitted_at = now
    application.decision_reason = ""
    content_apply(application=application, data=data)
    originals_store(application=application, originals=originals, actor=actor, now=now)
    changed = {k: [before[k], str(v)] for k, v in data.values.items() if before[k] != str(v)}
    audit_record(
        actor=actor,
        action="application.resubmitted",
        subject=application,
        at=now,
        summary=gettext_noop("訂正された申込を受け付けました。"),
        data={"changed": changed},
    )
    acknowledgment_enqueue(
        application=application,
        notices=data.notices,
        language=language,
        key=f"application_received:{application.pk}:resubmitted:{link.pk}",
    )
    return application


@transaction.atomic
def application_reject(
    *,
    application: Application,
    reason: str,
    actor: Actor,
    impersonation_suspected: bool = False,
    language: str = "ja",
) -> Application:
    """Reject the application. The applicant gets a neutral notice that does not say why (a forger must
    not learn that the supervisor denied it); the desk sees the reason and the impersonation flag."""
    reason = _reason_required(reason)
    application = _locked(application)
    application.transition_to(Status.REJECTED)
    application.decision_reason = reason
    application.impersonation_suspected = application.impersonation_suspected or impersonation_suspected
    application.save(update_fields=["status", "decision_reason", "impersonation_suspected", "updated_at"])
    audit_record(
        actor=actor,
        action="application.rejected",
        subject=application,
        summary=gettext_noop("申込を却下しました。")
        if not impersonation_suspected
        else gettext_noop("申込を却下しました（なりすましの疑い）。"),
        data={"reason": reason, "impersonation_suspected": application.impersonation_suspected},
    )
    notification_enqueue(
        kind="application_rejected",
        to=application.applicant_email,
        subject=application,
        idempotency_key=f"application_rejected:{application.pk}",
        language=language,
        context=_applicant_context(application),
    )
    return application


@transaction.atomic
def application_withdraw(*, application: Application, actor: Actor, language: str = "ja") -> Application:
    """The applicant withdraws the application (from the status page, after receipt number + e-mail)."""
    application = _locked(application)
    application.transition_to(Status.WITHDRAWN)
    application.save(update_fields=["status", "updated_at"])
    CorrectionLink.objects.filter(application=application, used_at__isnull=True).update(used_at=clock.now())
    audit_record(
        actor=actor,
        action="application.withdrawn",
        subject=application,
        summary=gettext_noop("申込者が申込を取り下げました。"),
    )
    notification_enqueue(
        kind="application_withdrawn",
        to=application.applicant_email,
        subject=application,
        idempotency_key=f"application_withdrawn:{application.pk}",
        language=language,
        context=_applicant_context(application),
    )
    return application
