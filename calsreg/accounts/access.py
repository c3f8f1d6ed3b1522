"""Whether an account holder may sign in now, and if not, what to tell them (invariant 4).

One decision shared by the authentication backend (nothing can log an unusable account in), the
middleware (a session ends when its account stops being usable) and the portal's login page (which
shows the message).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from calsreg.accounts.models import AccountState, Project, ProjectStatus, Role, User
from calsreg.core import clock
from calsreg.directory.models import Supervisor


def account_login_refusal(*, user: User, now: datetime | None = None) -> str | None:
    """Why ``user`` may not sign in to the portal now (a message safe to show), or None if they may.

    Staff are refused too: they sign in at the desk. The message says what to do next, because an
    account holder cannot tell "not yet started" from "suspended" by themselves.
    """
    if not user.is_account_holder:
        return _("職員の方は、ヘルプデスク業務画面からログインしてください。")
    if not user.is_active:
        return _("このアカウントは利用できません。ヘルプデスクにお問い合わせください。")
    if user.state == AccountState.ISSUED:
        return _(
            "このアカウントはまだ利用できません。"
            "「利用開始のお知らせ」メールが届いてからログインしてください。"
        )
    if user.state == AccountState.CLOSED:
        return _("このアカウントは利用を終了しています。ご不明な点はヘルプデスクにお問い合わせください。")
    refusal = _supervisor_refusal(user) if user.role == Role.SUPERVISOR else _contractor_refusal(user)
    if refusal is not None:
        return refusal
    if initial_password_expired(user=user, now=now):
        return _(
            "初期パスワードの有効期限が切れています。"
            "「パスワードをお忘れの方」から再設定するか、ヘルプデスクにお問い合わせください。"
        )
    return None


def initial_password_expired(*, user: User, now: datetime | None = None) -> bool:
    """An initial password never changed stops working after ``initial_password_expires_at``."""
    expires_at = user.initial_password_expires_at
    return bool(user.must_change_password and expires_at is not None and expires_at <= (now or clock.now()))


def _supervisor_refusal(user: User) -> str | None:
    # An orderer account works while the person is in the help desk's directory (architecture.md).
    if (
        user.supervisor_id is None
        or not Supervisor.objects.filter(pk=user.supervisor_id, active=True).exists()
    ):
        return _(
            "監督員名簿に有効な登録がないため、このアカウントは利用できません。"
            "ヘルプデスクにお問い合わせください。"
        )
    return None


def _contractor_refusal(user: User) -> str | None:
    # A contractor account works while one of its projects is in use; one query for all of them.
    rows = set(
        Project.objects.filter(memberships__user=user, memberships__active=True)
        .values_list("status", "suspended_by_hand", "suspended_for_payment")
        .distinct()
    )
    statuses = {status for status, _hand, _payment in rows}
    if ProjectStatus.ACTIVE in statuses:
        return None
    if ProjectStatus.SUSPENDED in statuses and all(
        hand and not payment for status, hand, payment in rows if status == ProjectStatus.SUSPENDED
    ):
        # Suspended by the desk only: paying changes nothing, so say whom to ask.
        return _("工事の利用を停止しています。ご不明な点はヘルプデスクにお問い合わせください。")
    if ProjectStatus.SUSPENDED in statuses:
        # Seed step 6: use is suspended when the fee is not paid by the end of the following month.
        return _(
            "利用料のお支払いが確認できないため、工事の利用を停止しています。"
            "郵送した請求書に記載の振込先へ、お客様番号を付けてお支払いください。"
            "入金が確認でき次第、自動で利用を再開します。ご不明な点はヘルプデスクにお問い合わせください。"
        )
    return _("利用中の工事がないため、ログインできません。ご不明な点はヘルプデスクにお問い合わせください。")
