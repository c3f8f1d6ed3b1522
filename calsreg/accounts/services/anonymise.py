"""Anonymising an account holder: used by a deletion request (changes) and by the retention purge
(lifecycle). The row stays — memberships, audit references and invoices point to it — with an ID of
the seed's shape that no longer carries the chosen name, an unusable password, and no name or contact.
The subscribing services hear of it (an ``account.anonymised`` event naming the ``sub`` they know),
the events written before lose the person's values, and the account gets a new ``sub``.
"""

from __future__ import annotations

import re
import uuid

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import IntegrityError, transaction

from calsreg.accounts import credentials
from calsreg.accounts.models import LoginIdLock, PasswordHistory, User
from calsreg.accounts.services.events import account_anonymised_event
from calsreg.core import clock
from calsreg.core.redaction import ERASED, anonymous_requested_part
from calsreg.events.services import events_personal_data_erase

__all__ = ["ERASED", "account_anonymise", "anonymous_requested_part"]

_ID_ATTEMPTS = 20


def account_anonymise(*, user: User) -> str:
    """Anonymise ``user`` (the caller holds its row lock); return the new ID.

    The random suffix is kept unless the new ID is taken (then a new one is drawn). Login records
    name the account by its ID: the lockout counters go, the logs take the new ID.
    """
    old = user.username
    suffix = old.rpartition(".")[2]
    if not re.fullmatch(r"[a-z]{3}", suffix):
        suffix = credentials.account_id_suffix()
    user.display_name = ERASED
    user.first_name = user.last_name = user.kana = user.email = user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    for _attempt in range(_ID_ATTEMPTS):
        user.username = credentials.account_id_compose(
            requested=anonymous_requested_part(user.pk), suffix=suffix
        )
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            suffix = credentials.account_id_suffix()
            continue
        break
    else:  # pragma: no cover — 20 clashes in a row on an ID nobody chooses
        raise RuntimeError(f"no free anonymous ID for account {user.pk}")
    PasswordHistory.objects.filter(user=user).delete()
    AccessAttempt.objects.filter(username=old).delete()
    LoginIdLock.objects.filter(username=old).delete()
    AccessLog.objects.filter(username=old).update(username=user.username)
    AccessFailureLog.objects.filter(username=old).update(username=user.username)
    # Earlier events lose the person's values and take the new ``sub``; the new event names the
    # anonymised account and the ``sub`` the services know it by — the last place that value appears.
    new_subject = uuid.uuid4()
    events_personal_data_erase(renames={old: user.username}, subjects={str(user.subject): str(new_subject)})
    account_anonymised_event(user=user, at=clock.now())
    user.subject = new_subject
    user.save(update_fields=["subject"])
    return user.username
