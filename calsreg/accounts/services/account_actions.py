"""What the help desk does for an account holder who calls (issue 11): lift a lockout (``login_locks``),
re-send the ID notice, reissue the initial password, force a password change at the next sign-in, and
close the account. Each is one atomic, audited function; ``account_actions_applying`` says which apply
now, so the desk offers only those.

Nothing here changes an e-mail or a phone number (that stays the call-back change flow): every mail
goes to the address on file. A reissued password is made only when its mail is sent
(``notices.account_password_notice_prepare``): nobody at the desk sees it, and it travels apart
from the ID.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import ACCOUNT_ROLES, AccountState, Membership, Project, User
from calsreg.accounts.selectors import login_locks_current
from calsreg.accounts.services.closing import sessions_end
from calsreg.accounts.services.events import EventType, account_event, account_sessions_ended_event
from calsreg.accounts.services.notices import ID_NOTICE, PASSWORD_NOTICE, _project_context, portal_login_url
from calsreg.core import clock
from calsreg.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from calsreg.notifications.models import Delivery
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record

REASON_MAX_LENGTH = 200


class AccountAction(StrEnum):
    LIFT_LOCK = "unlock"
    RESEND_ID = "resend-id"
    REISSUE_PASSWORD = "reissue-password"  # noqa: S105 (an action name)
    FORCE_PASSWORD_CHANGE = "force-password-change"  # noqa: S105 (an action name)
    CLOSE = "close"


def account_actions_applying(*, user: User) -> list[AccountAction]:
    """The desk's actions that apply to ``user`` now, in the order the desk shows them."""
    if user.role not in ACCOUNT_ROLES:
        return []
    applying = []
    if login_locks_current(at=clock.now(), username=user.username):
        applying.append(AccountAction.LIFT_LOCK)
    if user.state != AccountState.CLOSED:
        applying += [AccountAction.RESEND_ID, AccountAction.REISSUE_PASSWORD]
        if user.state == AccountState.ACTIVE and not user.must_change_password:
            applying.append(AccountAction.FORCE_PASSWORD_CHANGE)
        applying.append(AccountAction.CLOSE)
    return applying


def account_action_applies(*, user: User, action: AccountAction) -> bool:
    return action in account_actions_applying(user=user)


@transaction.atomic
def account_id_notice_resend(*, user: User, actor: Actor) -> Delivery:
    """Send the ID notice again, to the address on file. Raises ``Conflict`` for a closed account."""
    user = _locked(user, action=AccountAction.RESEND_ID)
    now = clock.now()
    project = _notice_project(user)
    delivery = notification_enqueue(
        kind=ID_NOTICE,
        to=user.email,
        subject=user,
        idempotency_key=f"{ID_NOTICE}:{user.pk}:resent:{now.isoformat()}",
        language=project.notice_language,
        context={
            **_project_context(project),
            "recipient_name": user.display_name,
            "account_id": user.username,
            "login_url": portal_login_url(),
            # Re-sent after the start of use, it must not say "not yet usable".
            "usable_now": user.state == AccountState.ACTIVE,
        },
    )
    audit_record(
        actor=actor,
        action="account.id_notice_resent",
        subject=user,
        at=now,
        summary=gettext_noop("IDのお知らせを登録済みのメールアドレスへ再送しました。"),
        data={"delivery_id": delivery.pk},
    )
    return delivery


@transaction.atomic
def account_initial_password_reissue(*, user: User, actor: Actor, reason: str) -> Delivery:
    """Replace the account's password by a new initial one, made when its own mail is sent to the
    address on file. The old password stops working now and the person's sessions end (whoever
    knows it is signed out). Raises ``ValidationFailed`` for an empty reason, ``Conflict`` for a
    closed account."""
    reason = _reason_required(reason, label=_("再発行の理由"))
    user = _locked(user, action=AccountAction.REISSUE_PASSWORD)
    now = clock.now()
    project = _notice_project(user)
    user.set_unusable_password()
    user.must_change_password = True
    user.initial_password_expires_at = now + timedelta(days=settings.INITIAL_PASSWORD_DAYS)
    user.save(update_fields=["password", "must_change_password", "initial_password_expires_at"])
    ended = _sessions_end(user=user, reason="initial_password_reissued")
    # No ID and no password in this mail's stored context: the ID travels in the other mail, the
    # password is made by the send-time hook.
    delivery = notification_enqueue(
        kind=PASSWORD_NOTICE,
        to=user.email,
        subject=user,
        idempotency_key=f"{PASSWORD_NOTICE}:{user.pk}:reissued:{now.isoformat()}",
        language=project.notice_language,
        context={**_project_context(project), "recipient_name": user.display_name},
    )
    audit_record(
        actor=actor,
        action="account.initial_password_reissued",
        subject=user,
        at=now,
        summary=gettext_noop(
            "初期パスワードを再発行し、登録済みのメールアドレスへ送りました（理由：%(reason)s）。"
        ),
        summary_params={"reason": reason},
        data={"reason": reason, "delivery_id": delivery.pk, "sessions_ended": ended},
    )
    return delivery


@transaction.atomic
def account_password_change_force(*, user: User, actor: Actor, reason: str = "") -> User:
    """Make the holder choose a new password at the next sign-in; their sessions end now. The
    current password still signs them in (once), so no mail is needed."""
    user = _locked(user, action=AccountAction.FORCE_PASSWORD_CHANGE)
    now = clock.now()
    user.must_change_password = True
    # Not an initial password: it has no expiry, and the initial-password hook refuses to replace it.
    user.initial_password_expires_at = None
    user.save(update_fields=["must_change_password", "initial_password_expires_at"])
    ended = _sessions_end(user=user, reason="password_change_forced")
    reason = reason.strip()[:REASON_MAX_LENGTH]
    audit_record(
        actor=actor,
        action="account.password_change_forced",
        subject=user,
        at=now,
        summary=gettext_noop("次回ログイン時にパスワードの変更を求めるようにしました。"),
        data={"reason": reason, "sessions_ended": ended},
    )
    return user


@transaction.atomic
def account_close(*, user: User, actor: Actor, reason: str) -> User:
    """Close the account now: nobody signs in with it again and its sessions end everywhere.
    Raises ``ValidationFailed`` for an empty reason, ``Conflict`` for an account already closed."""
    reason = _reason_required(reason, label=_("利用終了の理由"))
    user = _locked(user, action=AccountAction.CLOSE)
    now = clock.now()
    user.account_transition_to(AccountState.CLOSED)
    user.save(update_fields=["state"])
    # The event signs the person out at the relying parties; calsreg's own sessions end here.
    account_event(type=EventType.ACCOUNT_CLOSED, user=user, at=now)
    ended = sessions_end(user_ids=[user.pk])
    audit_record(
        actor=actor,
        action="account.closed",
        subject=user,
        at=now,
        summary=gettext_noop("アカウントを利用終了にしました（理由：%(reason)s）。"),
        summary_params={"reason": reason},
        data={"reason": reason, "sessions_ended": ended},
    )
    return user


def _locked(user: User, *, action: AccountAction) -> User:
    locked = User.objects.select_for_update().filter(pk=user.pk, role__in=ACCOUNT_ROLES).first()
    if locked is None:
        raise NotFound(_("アカウントが見つかりません。"))
    if not account_action_applies(user=locked, action=action):
        raise Conflict(
            _("このアカウントの今の状態では、この操作はできません。画面を読み込み直してください。")
        )
    return locked


def _notice_project(user: User) -> Project:
    """The project a notice names: the latest the holder is a member of (active memberships first)."""
    membership = (
        Membership.objects.filter(user=user)
        .select_related("project__office")
        .order_by("-active", "-pk")
        .first()
    )
    if membership is None:
        raise Conflict(_("このアカウントはどの工事にも属していないため、お知らせを送れません。"))
    return membership.project


def _sessions_end(*, user: User, reason: str) -> int:
    account_sessions_ended_event(user=user, at=clock.now(), reason=reason)
    return sessions_end(user_ids=[user.pk])


def _reason_required(reason: str, *, label: str) -> str:
    reason = reason.strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise ValidationFailed(
            errors=[FieldError(field="reason", label=label, message=_("理由を入力してください。"))]
        )
    return reason
