"""Login lockout that someone guessing elsewhere cannot turn against the account holder (django-axes 8).

Three locks. A completed password reset lifts the first two, the desk any (``services/login_locks.py``):

- **The pair (ID, client address)** — axes' own lock (``AXES_LOCKOUT_PARAMETERS =
  [["username", "ip_address"]]``): after ``AXES_FAILURE_LIMIT`` wrong passwords from one address the
  ID is refused *from that address* for ``AXES_COOLOFF_TIME``. A guesser elsewhere does not keep the
  holder out. Never the address alone after a few failures: a whole site office often shares one.
- **The ID alone** — counted here (``LoginIdLock``): after ``LOGIN_ID_FAILURE_LIMIT`` wrong passwords
  from any addresses within one pair cool-off, the ID is refused from everywhere for
  ``LOGIN_ID_COOLOFF_MINUTES``, doubling with each further ID-wide lock within a day up to
  ``LOGIN_ID_COOLOFF_MAX_MINUTES``. It slows a guesser with many addresses.
- **The address alone, across IDs** — counted in ``core/ratelimit.py`` (scope ``LOGIN_FAILURE``):
  after ``LOGIN_FAILURES_PER_ADDRESS_PER_HOUR`` wrong passwords from one address for any IDs within
  the hour, every login from that address is refused until the hour ends, without the password being
  checked, so a right guess is not confirmed. It stops password spraying (one common password tried
  on many IDs, which the pair lock never sees twice); the allowance is generous because a site office
  shares one address. Other addresses are unaffected; the lock ends with the hour (a reset does not
  lift it: it is not about one ID) or when the desk lifts it (``accounts/address_locks.py``, which
  keeps the list of refused addresses the cache cannot give).

Axes applies one failure limit and one cool-off to every lockout parameter, hence this count of our
own next to it. Attempts refused by either lock are not counted and do not extend it
(``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so one address adds at most
``AXES_FAILURE_LIMIT`` to an ID's count per window: locking an ID takes at least
``LOGIN_ID_FAILURE_LIMIT / AXES_FAILURE_LIMIT`` addresses (10 by default), and then only for minutes.
Refused attempts do not add to the address's count either.
The client address is ``core.ratelimit.client_address`` (``AXES_CLIENT_IP_CALLABLE`` =
``client_ip``), as for the anonymous forms' limits.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from calsreg.accounts.address_locks import address_failure_count, address_lock_wait
from calsreg.accounts.models import LoginIdLock
from calsreg.core import clock
from calsreg.core.ratelimit import client_address

# An ID's earlier ID-wide locks stop lengthening the next one a day after the last.
STRIKES_FORGOTTEN_AFTER = timedelta(days=1)


class LockScope(enum.StrEnum):
    PAIR = "pair"  # this ID from this address
    ID = "id"  # this ID from everywhere
    ADDRESS = "address"  # every ID from this address (too many wrong passwords from it)


@dataclass(frozen=True)
class LoginLock:
    scope: LockScope
    until: datetime


def pair_cool_off() -> timedelta:
    """How long a pair stays locked after its last counted failure (``AXES_COOLOFF_TIME``)."""
    return get_cool_off() or timedelta(0)  # config/settings.py always sets one


def id_cool_off(strikes: int) -> timedelta:
    """The ``strikes``-th ID-wide lock in a row: the base cool-off doubled each time, up to the maximum."""
    base = settings.LOGIN_ID_COOLOFF_MINUTES
    ceiling = max(base, settings.LOGIN_ID_COOLOFF_MAX_MINUTES)
    return timedelta(minutes=min(base * 2 ** max(strikes - 1, 0), ceiling))


def pair_locks(*, at: datetime, **filters: Any) -> QuerySet[AccessAttempt, dict[str, Any]]:
    """Locked (username, ip_address) pairs at ``at``, with ``failures`` and ``last`` (the last counted)."""
    return (
        AccessAttempt.objects.filter(attempt_time__gte=at - pair_cool_off(), **filters)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username", "ip_address")
    )


def id_locks(*, at: datetime, **filters: Any) -> QuerySet[LoginIdLock]:
    return LoginIdLock.objects.filter(locked_until__gt=at, **filters).order_by("username")


def login_lock_of(*, username: str, ip_address: str | None, at: datetime) -> LoginLock | None:
    """The lock refusing ``username`` from ``ip_address`` at ``at`` (the one ending last, if both)."""
    locks = [
        LoginLock(LockScope.PAIR, row["last"] + pair_cool_off())
        for row in pair_locks(at=at, username=username, ip_address=ip_address)
    ]
    locks += [
        LoginLock(LockScope.ID, row.locked_until)
        for row in id_locks(at=at, username=username)
        if row.locked_until
    ]
    return max(locks, key=lambda lock: lock.until, default=None)


def id_failure_count(*, username: str, at: datetime) -> datetime | None:
    """Count one wrong password for ``username`` from anywhere; the end of the ID-wide lock it starts."""
    _idle_counts_forget(at=at)
    with transaction.atomic():
        row, _created = LoginIdLock.objects.select_for_update().get_or_create(
            username=username, defaults={"window_started_at": at}
        )
        if at - row.window_started_at >= pair_cool_off():
            row.failures, row.window_started_at = 0, at
        row.failures += 1
        locks = row.failures >= settings.LOGIN_ID_FAILURE_LIMIT
        if locks:
            if row.locked_at is None or at - row.locked_at >= STRIKES_FORGOTTEN_AFTER:
                row.strikes = 0
            row.strikes += 1
            row.locked_at, row.locked_until = at, at + id_cool_off(row.strikes)
            row.failures, row.window_started_at = 0, at
        row.save()
        return row.locked_until if locks else None


def _idle_counts_forget(*, at: datetime) -> None:
    # IDs typed once and never again (a guesser trying names) would pile up: forget a count whose
    # window has passed once no lock is running and its strikes are forgotten (as axes does its own).
    LoginIdLock.objects.filter(window_started_at__lt=at - pair_cool_off()).filter(
        Q(locked_at__isnull=True) | Q(locked_at__lt=at - STRIKES_FORGOTTEN_AFTER)
    ).exclude(locked_until__gt=at).delete()


def login_locks_lift(*, username: str) -> bool:
    """Forget every failure counted for ``username`` (its pairs', the ID-wide count and lock); whether
    it was locked at all."""
    at = clock.now()
    was_locked = pair_locks(at=at, username=username).exists() or id_locks(at=at, username=username).exists()
    AccessAttempt.objects.filter(username=username).delete()
    LoginIdLock.objects.filter(username=username).delete()
    return was_locked


def client_ip(request: HttpRequest) -> str | None:
    """The client address for axes (``AXES_CLIENT_IP_CALLABLE``): the rate limits' one, or None."""
    return client_address(request) or None


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler (the pair lock) with the ID-wide and the address-wide counts and locks
    beside it. A locked attempt never reaches the password check (axes' backend comes first)."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials) or address_lock_wait(request):
            return True
        username = get_client_username(request, credentials)
        return bool(username) and id_locks(at=request.axes_attempt_time, username=username).exists()  # type: ignore[attr-defined]

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        refused = bool(getattr(request, "axes_locked_out", False))  # by a lock: not a counted failure
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or refused or self.is_whitelisted(request, credentials):
            return
        username = get_client_username(request, credentials)
        at = request.axes_attempt_time  # type: ignore[attr-defined]
        id_locked = bool(username) and id_failure_count(username=username, at=at) is not None
        if address_failure_count(request) or id_locked:
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # The holder is in: failures so far no longer count towards the ID-wide lock.
        LoginIdLock.objects.filter(username=user.get_username()).update(failures=0)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The lockout page (``AXES_LOCKOUT_CALLABLE``): which lock, and how long until it ends."""
    now = clock.now()
    username = get_client_username(request, credentials) or ""
    locks = [login_lock_of(username=username, ip_address=getattr(request, "axes_ip_address", None), at=now)]
    if address_wait := address_lock_wait(request):
        locks.append(LoginLock(LockScope.ADDRESS, now + timedelta(seconds=address_wait)))
    lock = max((lock for lock in locks if lock is not None), key=lambda lock: lock.until, default=None)
    wait = lock.until - now if lock is not None else pair_cool_off()
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": wait,
        "id_wide": lock is not None and lock.scope == LockScope.ID,
        "address_wide": lock is not None and lock.scope == LockScope.ADDRESS,
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    response["Retry-After"] = str(math.ceil(wait.total_seconds()))
    return response
