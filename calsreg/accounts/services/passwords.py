"""Account holders' passwords: the change at first login, and "forgot password" by mail.

One policy for every new password (issue 3, item 6): Django's validators from settings (minimum
length 12, not like the user's attributes, not common, not all digits), not containing the ID's
requested part, and none of the last ``PASSWORD_HISTORY_COUNT`` passwords. Earlier passwords are
kept as hashes only and compared with ``check_password``.
"""

from __future__ import annotations

import logging

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.access import initial_password_expired
from calsreg.accounts.credentials import requested_part_of
from calsreg.accounts.lockout import login_locks_lift
from calsreg.accounts.models import ACCOUNT_ROLES, AccountState, PasswordHistory, User
from calsreg.accounts.services.events import account_sessions_ended_event
from calsreg.accounts.services.notices import PASSWORD_RESET, password_reset_enqueue
from calsreg.core import clock
from calsreg.core.errors import DomainError, FieldError, ValidationFailed
from calsreg.records.models import ActorType
from calsreg.records.services import Actor, audit_record

logger = logging.getLogger(__name__)

# The current password and the four before it may not be chosen again.
PASSWORD_HISTORY_COUNT = 5
# Requests for one account within this window share one mail (a double click sends one).
RESET_MAIL_WINDOW_SECONDS = 300


def account_actor(*, user: User) -> Actor:
    """The account holder as the actor of their own action (my page, password reset)."""
    return Actor(type=ActorType.ACCOUNT, label=user.get_username(), user=user)


@transaction.atomic
def account_password_change(*, user: User, old_password: str, new_password: str, actor: Actor) -> User:
    """Change the password (the forced change at first login, or later from my page).

    Raises ``ValidationFailed`` for a wrong current password or a new one against the policy, and
    ``DomainError`` if the initial password has expired (the holder must use "forgot password").
    The caller keeps the session (``update_session_auth_hash``).
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if initial_password_expired(user=user):
        raise DomainError(
            _("初期パスワードの有効期限が切れています。「パスワードをお忘れの方」から再設定してください。")
        )
    if not user.check_password(old_password):
        raise ValidationFailed(
            errors=[
                FieldError(
                    field="old_password",
                    label=_("現在のパスワード"),
                    message=_("現在のパスワードが正しくありません。"),
                )
            ]
        )
    _password_set(user=user, new_password=new_password)
    audit_record(
        actor=actor,
        action="account.password_changed",
        subject=user,
        summary=gettext_noop("パスワードを変更しました。"),
    )
    return user


def account_password_reset_ask(*, username: str, email: str, language: str = "ja") -> None:
    """Take a "forgot password" request: queue it for the worker, and nothing else.

    One INSERT (the task row) whatever was typed, so neither the answer nor the time it takes tells
    whether the ID exists or the address matches; the worker runs ``account_password_reset_request``.
    """
    from calsreg.accounts.tasks import password_reset_request_task  # the task module imports this one

    password_reset_request_task.enqueue(username=username, email=email, language=language)


def account_password_reset_request(*, username: str, email: str, language: str = "ja") -> None:
    """Mail a single-use reset link if ``username`` and ``email`` match an open account; else nothing.

    Run by the worker for ``account_password_reset_ask``; the portal shows the same answer whatever
    happens here, so the form tells nobody which IDs exist. Staff
    IDs are never matched (staff reset at the desk). A request for an unknown ID is only logged:
    the audit log has nothing to attach it to.
    """
    username = username.strip().lower()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username, role__in=ACCOUNT_ROLES).first()
        if user is None:
            logger.info("password reset requested for an ID that is not an account holder's")
            return
        reason = _reset_refusal(user=user, email=email)
        now = clock.now()
        if reason is None:
            window = int(now.timestamp()) // RESET_MAIL_WINDOW_SECONDS
            password_reset_enqueue(user=user, language=language, key=f"{PASSWORD_RESET}:{user.pk}:{window}")
        audit_record(
            actor=Actor.system("portal:password_reset"),
            action="account.password_reset_requested",
            subject=user,
            at=now,
            summary=gettext_noop("パスワード再設定の依頼を受けました。")
            if reason is None
            else gettext_noop("パスワード再設定の依頼を受けましたが、送信しませんでした。"),
            data={"mail_sent": reason is None, "refused_because": reason},
        )


def _reset_refusal(*, user: User, email: str) -> str | None:
    if not email.strip() or user.email.lower() != email.strip().lower():
        return "email_mismatch"
    if not user.is_active or user.state == AccountState.CLOSED:
        return "account_closed"
    return None


def account_password_reset_check(*, uidb64: str, token: str) -> User:
    """The account behind a usable reset link (to show the form); ``DomainError`` otherwise."""
    user = _reset_user(uidb64=uidb64, lock=False)
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(_reset_link_invalid())
    return user


@transaction.atomic
def account_password_reset_complete(*, uidb64: str, token: str, new_password: str) -> User:
    """Set a new password through a reset link. The link works once: the token hashes the password.

    Raises ``DomainError`` for an invalid, used or expired link and ``ValidationFailed`` for a
    password against the policy (the link stays usable then).
    """
    user = _reset_user(uidb64=uidb64, lock=True)
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(_reset_link_invalid())
    _password_set(user=user, new_password=new_password)
    # The holder has proved who they are: wrong passwords typed so far, by anyone, stop locking them out.
    lifted = login_locks_lift(username=user.get_username())
    audit_record(
        actor=account_actor(user=user),
        action="account.password_reset",
        subject=user,
        summary=gettext_noop("再設定用リンクからパスワードを設定しました。"),
        data={"login_locks_lifted": lifted},
    )
    # Whoever held the old password may hold sessions at relying parties too: end them.
    account_sessions_ended_event(user=user, at=clock.now(), reason="password_reset")
    return user


def _reset_link_invalid() -> str:
    return _(
        "このパスワード再設定用リンクは使用済みか、有効期限が切れています。"
        "もう一度「パスワードをお忘れの方」からお手続きください。"
    )


def _reset_user(*, uidb64: str, lock: bool) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    users = User.objects.select_for_update() if lock else User.objects.all()
    user = users.filter(pk=pk, role__in=ACCOUNT_ROLES, is_active=True).first()
    if user is None or user.state == AccountState.CLOSED:
        return None
    return user


def password_policy_errors(*, user: User, new_password: str) -> list[str]:
    """Every rule ``new_password`` breaks for ``user`` (empty if it may be set)."""
    errors: list[str] = []
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        errors.extend(exc.messages)
    requested = requested_part_of(user.get_username()).lower()
    if requested and requested in new_password.lower():
        errors.append(_("パスワードにIDの文字列を含めることはできません。"))
    if _recently_used(user=user, new_password=new_password):
        errors.append(
            _("最近使ったパスワード（直近%(count)s回分）は使えません。") % {"count": PASSWORD_HISTORY_COUNT}
        )
    return errors


def _recently_used(*, user: User, new_password: str) -> bool:
    earlier = PasswordHistory.objects.filter(user=user).values_list("password", flat=True)
    hashes = [user.password, *earlier[: PASSWORD_HISTORY_COUNT - 1]]
    return any(check_password(new_password, encoded) for encoded in hashes if encoded)


def _password_set(*, user: User, new_password: str) -> None:
    """Apply the policy, keep the old hash in the history, set the new password (user is locked)."""
    errors = password_policy_errors(user=user, new_password=new_password)
    if errors:
        raise ValidationFailed(
            errors=[FieldError(field="new_password", label=_("新しいパスワード"), message=m) for m in errors]
        )
    if user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(new_password)
    user.must_change_password = False
    user.initial_password_expires_at = None
    user.save(update_fields=["password", "must_change_password", "initial_password_expires_at"])
    keep = PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[
        : PASSWORD_HISTORY_COUNT - 1
    ]
    PasswordHistory.objects.filter(user=user).exclude(pk__in=list(keep)).delete()
