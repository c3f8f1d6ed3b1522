"""The address-wide login lock (password spraying): counted, refused, listed for the desk, lifted.

Each client address has an hourly allowance of wrong passwords for any IDs
(``LOGIN_FAILURES_PER_ADDRESS_PER_HOUR``), counted in the cache by ``core/ratelimit.py`` (scope
``LOGIN_FAILURE``). Once it is used up, every login from the address is refused until the hour's window
ends (``accounts/lockout.py``).

A site office whose staff share one address can be caught by it, so the help desk must see which
addresses are refused and lift one. The cache cannot list its keys, so when an address crosses its
allowance a ``LoginAddressLock`` row is written as an index. The cache stays the lock: a row is listed
only while the cache still refuses its address (a cleared or restarted cache has lifted it already),
and lifting forgets the cache's count, so the address has its whole allowance again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest

from calsreg.accounts.models import LoginAddressLock
from calsreg.core import clock
from calsreg.core.ratelimit import (
    Scope,
    address_rate_limit_spent,
    counted_address,
    rate_limit_forget,
    rate_limit_hit,
    rate_limit_spent,
)


@dataclass(frozen=True)
class LockedAddress:
    """An address refused at every login now, until ``until``; ``""`` is a client without an address."""

    address: str
    until: datetime


def address_lock_wait(request: HttpRequest) -> int:
    """Seconds until the request's address may try passwords again (0: it may now)."""
    return rate_limit_spent(
        scope=Scope.LOGIN_FAILURE, request=request, allowance=settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR
    )


def address_failure_count(request: HttpRequest) -> bool:
    """Count one wrong password from the request's address; whether the address is now locked (then
    noted for the desk)."""
    rate_limit_hit(
        scope=Scope.LOGIN_FAILURE, request=request, allowance=settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR
    )
    wait = address_lock_wait(request)
    if wait:
        _noted(address=counted_address(request), at=clock.now(), wait=wait)
    return wait > 0


def _noted(*, address: str, at: datetime, wait: int) -> None:
    LoginAddressLock.objects.filter(locked_until__lte=at).exclude(address=address).delete()
    LoginAddressLock.objects.update_or_create(
        address=address, defaults={"locked_at": at, "locked_until": at + timedelta(seconds=wait)}
    )


def address_locks_current(*, at: datetime) -> list[LockedAddress]:
    """The addresses refused at ``at``, by address (rows the cache no longer refuses are left out)."""
    locks = []
    for row in LoginAddressLock.objects.filter(locked_until__gt=at).order_by("address"):
        wait = address_rate_limit_spent(
            scope=Scope.LOGIN_FAILURE,
            address=row.address,
            allowance=settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR,
        )
        if wait:
            locks.append(LockedAddress(address=row.address, until=row.locked_until))
    return locks


def address_lock_lift(*, lock: LoginAddressLock, at: datetime) -> None:
    """Forget the address's wrong passwords of this hour and end its row (kept until the next lock is
    written, as the audit event's subject)."""
    rate_limit_forget(scope=Scope.LOGIN_FAILURE, address=lock.address)
    lock.locked_until = at
    lock.save(update_fields=["locked_until"])
