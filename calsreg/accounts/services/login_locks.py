"""The desk lifts a login lock (accounts/lockout.py) for a holder or a colleague who is locked out."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.lockout import login_locks_lift
from calsreg.accounts.models import User
from calsreg.accounts.selectors import login_locks_current
from calsreg.core import clock
from calsreg.core.errors import Conflict, NotFound
from calsreg.records.services import Actor, audit_record


@transaction.atomic
def account_login_locks_lift(*, username: str, actor: Actor) -> User:
    """Lift every lock of the account ``username`` — from each address and ID-wide — and record who did.

    Raises ``NotFound`` for an ID nobody holds (its lock keeps nobody out) and ``Conflict`` when the
    ID is not locked (any more).
    """
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        raise NotFound(_("このIDのアカウントはありません。"))
    at = clock.now()
    locks = login_locks_current(at=at, username=username)
    if not locks:
        raise Conflict(_("このIDのログイン停止はすでに終わっています。"))
    (lock,) = locks
    login_locks_lift(username=username)
    audit_record(
        actor=actor,
        action="account.login_locks_lifted",
        subject=user,
        at=at,
        summary=gettext_noop("ログイン停止を解除しました。"),
        data={
            "addresses": sorted(lock.addresses),
            "id_wide_until": lock.id_wide_until.isoformat() if lock.id_wide_until else None,
        },
    )
    return user
