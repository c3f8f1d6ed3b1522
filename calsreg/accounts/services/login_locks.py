"""The desk lifts a login lock (accounts/lockout.py) for a holder or a colleague who is locked out, or
for an office whose shared address is refused (accounts/address_locks.py)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.address_locks import address_lock_lift
from calsreg.accounts.lockout import login_locks_lift
from calsreg.accounts.models import LoginAddressLock, User
from calsreg.accounts.selectors import login_address_locks_current, login_locks_current
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


@transaction.atomic
def account_login_address_lock_lift(*, address: str, actor: Actor) -> LoginAddressLock:
    """Lift the lock of a client address refused at every login (password spraying), e.g. a site
    office whose staff share the address, and record who did. The address may try passwords again
    with a whole allowance for the rest of the hour.

    Raises ``Conflict`` when the address is not refused (any more).
    """
    at = clock.now()
    lock = LoginAddressLock.objects.select_for_update().filter(address=address).first()
    current = {locked.address: locked for locked in login_address_locks_current(at=at)}
    if lock is None or address not in current:
        raise Conflict(_("この接続元のログイン停止はすでに終わっています。"))
    # The audit row first: the cache's count, forgotten last, cannot be rolled back.
    audit_record(
        actor=actor,
        action="login.address_lock_lifted",
        subject=lock,
        at=at,
        summary=gettext_noop("接続元 %(address)s のログイン停止を解除しました。"),
        summary_params={"address": address},
        data={"address": address, "until": current[address].until.isoformat()},
    )
    address_lock_lift(lock=lock, at=at)
    return lock
