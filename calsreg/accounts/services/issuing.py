"""How accounts are made and made usable: shared by registration, start of use and membership changes.

Account IDs are unique by the database's unique constraint on ``username``: an ID taken meanwhile
(possibly by a transaction racing on another machine) fails its INSERT inside a savepoint and is
retried with a new suffix. A new account is ``issued`` (credentials sent, not usable); it becomes
``active`` when its project's use starts, or at once when it joins a project already started.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from calsreg.accounts import credentials
from calsreg.accounts.models import AccountState, Role, User
from calsreg.accounts.services.events import EventType, account_event
from calsreg.core.errors import Conflict
from calsreg.core.previews import PreviewStale
from calsreg.directory.models import Supervisor

# Each attempt has ≥ 1 in 12,167 free suffixes unless a requested part is nearly exhausted.
ID_ATTEMPTS = 20


def new_account_values(*, now: datetime) -> dict[str, Any]:
    """Issued, not usable until the start-of-use notice; the password is made when its mail is sent."""
    return {
        "state": AccountState.ISSUED,
        "must_change_password": True,
        "initial_password_expires_at": now + timedelta(days=settings.INITIAL_PASSWORD_DAYS),
    }


def contractor_account_create(
    *,
    requested_id: str,
    name: str,
    kana: str,
    email: str,
    phone: str,
    now: datetime,
    planned: str | None = None,
) -> User:
    """A new contractor account ``requested_id`` + a system-chosen suffix (seed step 2), or exactly
    the ``planned`` ID a confirmed preview showed."""
    values = {
        **new_account_values(now=now),
        "role": Role.CONTRACTOR,
        "display_name": name,
        "kana": kana,
        "email": email,
        "phone": phone,
    }
    user, _created = insert_with_fresh_id(requested=requested_id, values=values, planned=planned)
    account_event(type=EventType.ACCOUNT_ISSUED, user=user, at=now)
    return user


def supervisor_account(
    *, supervisor: Supervisor, now: datetime, planned: str | None = None
) -> tuple[User, bool]:
    """The supervisor's one account, reused across projects or created on first need (created=True),
    under the ``planned`` ID when a confirmed preview showed one."""
    existing = User.objects.filter(supervisor=supervisor).first()
    if existing is not None:
        return existing, False
    # Contacts come from the directory, never from the application (invariant 1).
    values = {
        **new_account_values(now=now),
        "role": Role.SUPERVISOR,
        "supervisor": supervisor,
        "display_name": supervisor.name,
        "kana": supervisor.kana,
        "email": supervisor.email,
        "phone": supervisor.phone,
    }
    user, created = insert_with_fresh_id(
        requested=credentials.requested_part_for_email(supervisor.email),
        values=values,
        # A transaction racing on PostgreSQL may have created this person's account meanwhile.
        taken_meanwhile=lambda: User.objects.filter(supervisor=supervisor).first(),
        planned=planned,
    )
    if created:
        account_event(type=EventType.ACCOUNT_ISSUED, user=user, at=now)
    return user, created


def insert_with_fresh_id(
    *,
    requested: str,
    values: dict[str, Any],
    taken_meanwhile: Callable[[], User | None] | None = None,
    planned: str | None = None,
) -> tuple[User, bool]:
    """Insert an account under ``requested`` + a random suffix; (account, True) on success.

    Each INSERT runs in a savepoint so a unique violation leaves the caller's transaction usable.
    If ``taken_meanwhile`` finds the account another transaction created, that one is returned as
    (account, False). Raises ``Conflict`` when no free suffix is found in ``ID_ATTEMPTS`` tries.
    With ``planned`` (the ID a confirmed preview showed) there is one attempt, and a clash raises
    ``PreviewStale``: the operator confirmed that ID, so another one is not silently issued.
    """
    for _attempt in range(1 if planned else ID_ATTEMPTS):
        username = planned or credentials.account_id_compose(
            requested=requested, suffix=credentials.account_id_suffix()
        )
        user = User(username=username, **values)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError as clash:
            if planned:
                raise PreviewStale() from clash
            found = taken_meanwhile() if taken_meanwhile is not None else None
            if found is not None:
                return found, False
            continue
        return user, True
    raise Conflict(
        _("ID「%(requested)s」に付ける空き番号が見つかりませんでした。別のIDで申し込んでください。")
        % {"requested": requested}
    )


def account_activatable(user: User) -> bool:
    """Whether ``account_activate`` would make ``user`` usable (the start-of-use preview asks too)."""
    reopened = user.state == AccountState.CLOSED and user.role == Role.SUPERVISOR
    return user.state == AccountState.ISSUED or reopened


def account_activate(*, user: User, now: datetime) -> bool:
    """Make an issued account — or a closed orderer account reused for a new project — usable now.

    The caller holds the row lock. Returns False (nothing changed) for an account already active
    or a closed contractor account (a contractor's account is never reopened: a new one is issued).
    """
    if not account_activatable(user):
        return False
    user.account_transition_to(AccountState.ACTIVE)
    user.activated_at = now
    update = ["state", "activated_at"]
    if user.must_change_password:
        # The initial password's days count from when it can first be used, not from the mail.
        user.initial_password_expires_at = now + timedelta(days=settings.INITIAL_PASSWORD_DAYS)
        update.append("initial_password_expires_at")
    user.save(update_fields=update)
    account_event(type=EventType.ACCOUNT_ACTIVATED, user=user, at=now)
    return True
