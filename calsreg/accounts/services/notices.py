"""The accounts app's notices and their send-time hooks.

Invariant 4: a password exists in clear only inside the outgoing mail. The password notice's stored
context holds no password; ``account_password_notice_prepare`` makes one when the mail is rendered
for sending, stores only its hash, and hands the clear text to the template. A retry makes a new one
(the earlier attempt's mail never arrived). The ID and the password travel in separate mails, so a
single intercepted mail is not enough to sign in.

The password and the reset link are returned as ``Secret`` values: the demo's outbox backend
(``CALSREG_EMAIL_BACKEND=outbox``), which keeps every mail for the desk to read, keeps these with
the secret withheld. Only the message that leaves by SMTP carries it; production keeps no body.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from calsreg.accounts import credentials
from calsreg.accounts.models import AccountState, Project, Role, User
from calsreg.core import clock
from calsreg.core.errors import InvalidTransition
from calsreg.notifications.models import Delivery
from calsreg.notifications.rendering import Secret
from calsreg.notifications.services import notification_enqueue

ID_NOTICE = "account_id_notice"
PASSWORD_NOTICE = "account_password_notice"  # noqa: S105 (a mail kind)
START_OF_USE = "start_of_use"
PASSWORD_RESET = "account_password_reset"  # noqa: S105 (a mail kind)
# The mails a new account gets, in the order ``credentials_enqueue`` queues them (previews list them).
CREDENTIAL_NOTICES = (ID_NOTICE, PASSWORD_NOTICE)


def portal_login_url() -> str:
    """The my-page login address for mails; the portal's top page until the portal defines it."""
    try:
        return settings.SITE_URL + reverse("portal:login")
    except NoReverseMatch:
        return settings.SITE_URL + "/"


def service_url() -> str:
    """Where the start-of-use notice sends people: the information-sharing service itself when one is
    configured (they sign in there through calsreg), else calsreg's my-page login."""
    return settings.SERVICE_URL or portal_login_url()


def _project_context(project: Project) -> dict[str, Any]:
    return {
        "project_name": project.name,
        "project_number": project.project_number,
        "contractor_name": project.contractor_name,
        "office_name": project.office.name,
    }


def project_recipients(*, project: Project, supervisors: bool) -> dict[str, str]:
    """The project's people, one entry per address (compared without case; first name seen wins):
    its active contractor users, the applicant, and — with ``supervisors`` — its current supervisors
    at their directory addresses (never the form's; a change request may have replaced the ones on
    the application)."""
    people: list[tuple[str, str]] = [
        (user.email, user.display_name)
        for user in User.objects.filter(
            memberships__project=project, memberships__active=True, role=Role.CONTRACTOR
        ).order_by("memberships__pk")
    ]
    people.append((project.application.applicant_email, project.application.applicant_name))
    if supervisors:
        members = User.objects.filter(
            memberships__project=project,
            memberships__active=True,
            role=Role.SUPERVISOR,
            supervisor__isnull=False,
        ).select_related("supervisor")
        people.extend(
            (u.supervisor.email, u.supervisor.name)
            for u in members.order_by("supervisor__pk")
            if u.supervisor
        )
    recipients: dict[str, str] = {}
    seen: set[str] = set()
    for address, name in people:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            recipients[address] = name
    return recipients


def credentials_enqueue(*, user: User, project: Project, language: str) -> None:
    """An ID notice and a separate password notice for a new account (inside the caller's transaction)."""
    common = {**_project_context(project), "recipient_name": user.display_name}
    notification_enqueue(
        kind=ID_NOTICE,
        to=user.email,
        subject=user,
        idempotency_key=f"{ID_NOTICE}:{user.pk}",
        language=language,
        context={**common, "account_id": user.username, "login_url": portal_login_url()},
    )
    # No ID here (it travels in the other mail) and no password (made at send time).
    notification_enqueue(
        kind=PASSWORD_NOTICE,
        to=user.email,
        subject=user,
        idempotency_key=f"{PASSWORD_NOTICE}:{user.pk}",
        language=language,
        context=common,
    )


def start_of_use_enqueue(*, project: Project, recipients: Mapping[str, str], language: str) -> list[Delivery]:
    """One start-of-use notice per address (``{address: name}``), at most once per project and address."""
    deliveries = []
    for address, name in recipients.items():
        # The key holds a digest of the address: keys are limited to 200 characters, addresses are not.
        digest = hashlib.sha256(address.lower().encode("utf-8")).hexdigest()[:24]
        deliveries.append(
            notification_enqueue(
                kind=START_OF_USE,
                to=address,
                subject=project,
                idempotency_key=f"{START_OF_USE}:{project.pk}:{digest}",
                language=language,
                context={
                    **_project_context(project),
                    "recipient_name": name,
                    "login_url": service_url(),
                },
            )
        )
    return deliveries


def password_reset_enqueue(*, user: User, language: str, key: str) -> Delivery:
    return notification_enqueue(
        kind=PASSWORD_RESET,
        to=user.email,
        subject=user,
        idempotency_key=key,
        language=language,
        context={"recipient_name": user.display_name},
    )


def _account_of(delivery: Delivery) -> int:
    if delivery.subject_type != User._meta.model_name:
        raise RuntimeError(f"delivery {delivery.pk} is not about an account")
    return delivery.subject_id


def account_password_notice_requeue_check(*, delivery: Delivery) -> None:
    """Re-send check of ``account_password_notice``: refused once the send-time hook would refuse
    (the holder chose a password of their own, or the account is closed)."""
    user = User.objects.filter(pk=_account_of(delivery)).only("must_change_password", "state").first()
    if user is None or not user.must_change_password or user.state == AccountState.CLOSED:
        raise InvalidTransition(
            _(
                "このアカウントは利用者が自分のパスワードを設定済み（または利用終了）のため、"
                "パスワード通知メールは再送できません。必要なら利用者に「パスワードを忘れた方」"
                "からの再設定を案内してください。"
            ),
            current=delivery.status,
            target="pending",
        )


def account_password_notice_prepare(*, delivery: Delivery) -> Mapping[str, Any]:
    """Send-time hook of ``account_password_notice``: a new initial password, only its hash kept.

    Refuses (the attempt fails, the desk sees why) once the holder has set a password of their own,
    e.g. through "forgot password": re-sending must never overwrite it.
    """
    password = credentials.initial_password_generate()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=_account_of(delivery))
        # A forced change (no expiry) keeps the holder's own password: only an initial one is replaced.
        if (
            not user.must_change_password
            or user.initial_password_expires_at is None
            or user.state == AccountState.CLOSED
        ):
            raise RuntimeError(f"account {user.pk} no longer takes an initial password")
        # Only ever to the address on file: an older mail to an address since changed is refused.
        if delivery.to_address.lower() != user.email.lower():
            raise RuntimeError(f"delivery {delivery.pk} is not to the address on file of account {user.pk}")
        user.set_password(password)
        # The expiry counts from when the password is actually made (a retry may come days later).
        user.initial_password_expires_at = clock.now() + timedelta(days=settings.INITIAL_PASSWORD_DAYS)
        user.save(update_fields=["password", "initial_password_expires_at"])
    return {
        "password": Secret.password(password),
        "initial_password_days": settings.INITIAL_PASSWORD_DAYS,
        # A mail re-sent by the desk after the start of use must not say "not yet usable".
        "usable_now": user.state == AccountState.ACTIVE,
    }


def account_password_reset_prepare(*, delivery: Delivery) -> Mapping[str, Any]:
    """Send-time hook of ``account_password_reset``: the single-use link, never stored.

    Django's token hashes the password and the last login, so it stops working once used.
    """
    user = User.objects.get(pk=_account_of(delivery))
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    url = settings.SITE_URL + reverse("portal:password_reset_confirm", args=[uidb64, token])
    return {"reset_url": Secret.link(url), "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
