"""Correcting an account holder's contact details (seed steps 7–9: after the call-back verified it).

A changed e-mail address is the usual first step of an account takeover, so both ends are told: the
old address ("your address was changed to t***@example.jp; if you did not ask for this, contact the
help desk") and the new one. When the desk refuses such a change after the call-back, the old
address is told that a change was asked for and refused — and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import User
from calsreg.accounts.services.closing import address_digest
from calsreg.accounts.services.events import EventType, account_event
from calsreg.applications.schema import USER_FIELDS_BY_KEY
from calsreg.applications.validation import FieldCollector, clean_value
from calsreg.core import clock
from calsreg.core.errors import DomainError, ValidationFailed
from calsreg.notifications.services import notification_enqueue
from calsreg.records.services import Actor, audit_record

CONTACT_FIELDS = ("display_name", "kana", "email", "phone")
# The fields the lifecycle events carry (the claims), by the name the events give them.
_EVENT_FIELDS = {"display_name": "name", "kana": "kana", "email": "email"}
# The account's field → the application schema's spec for a user's field of the same meaning.
_SPECS = {"display_name": "name", "kana": "kana", "email": "email", "phone": "phone"}
EMAIL_CHANGED_OLD = "account_email_changed_old"
EMAIL_CHANGED_NEW = "account_email_changed_new"
EMAIL_CHANGE_REFUSED = "account_email_change_refused"


def email_masked(address: str) -> str:
    """``tanaka@example.jp`` → ``t***@example.jp``: enough to recognise, not enough to reuse."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


@transaction.atomic
def account_contact_correct(
    *, user: User, values: Mapping[str, str], actor: Actor, language: str = "ja"
) -> dict[str, tuple[str, str]]:
    """Save the fields of ``values`` (validated by the caller) that differ; return ``{field: (old, new)}``.

    Keys are among ``CONTACT_FIELDS``. Nothing changed → nothing written or sent, ``{}`` returned.
    Values are cleaned again with the application form's cleaners for a user, whoever calls.
    Raises ``DomainError`` for a staff user (not an account holder), ``ValidationFailed`` naming the
    field for a value the form refuses (nothing written then).
    """
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"not contact fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_account_holder:
        raise DomainError(_("職員の利用者の連絡先は、この手続きでは修正できません。"))
    values = _cleaned(values)
    changes = {
        field: (getattr(user, field), values[field])
        for field in CONTACT_FIELDS
        if field in values and values[field] != getattr(user, field)
    }
    if not changes:
        return {}
    for field, (_old, new) in changes.items():
        setattr(user, field, new)
    user.save(update_fields=list(changes))
    now = clock.now()
    changed_claims = [_EVENT_FIELDS[field] for field in changes if field in _EVENT_FIELDS]
    if changed_claims:
        account_event(type=EventType.ACCOUNT_CHANGED, user=user, at=now, changed=changed_claims)
    audit_record(
        actor=actor,
        action="account.contact_corrected",
        subject=user,
        at=now,
        summary=gettext_noop("%(account)s の連絡先を修正しました（%(fields)s）。"),
        summary_params={"account": user.username, "fields": ", ".join(changes)},
        data={
            "before": {field: old for field, (old, _new) in changes.items()},
            "after": {field: new for field, (_old, new) in changes.items()},
        },
    )
    if "email" in changes:
        old_email, new_email = changes["email"]
        common = {"recipient_name": user.display_name, "changed_at": now.isoformat()}
        notification_enqueue(
            kind=EMAIL_CHANGED_OLD,
            to=old_email,
            subject=user,
            idempotency_key=f"{EMAIL_CHANGED_OLD}:{user.pk}:{address_digest(old_email, salt=now.isoformat())}",
            language=language,
            context={**common, "new_email_masked": email_masked(new_email)},
        )
        notification_enqueue(
            kind=EMAIL_CHANGED_NEW,
            to=new_email,
            subject=user,
            idempotency_key=f"{EMAIL_CHANGED_NEW}:{user.pk}:{address_digest(new_email, salt=now.isoformat())}",
            language=language,
            context=common,
        )
    return changes


def _cleaned(values: Mapping[str, str]) -> dict[str, str]:
    out = FieldCollector()
    cleaned = {}
    for field, value in values.items():
        spec = USER_FIELDS_BY_KEY[_SPECS[field]]
        cleaned[field] = clean_value(spec, value, path=field, label=str(spec.label), out=out)
    if out.errors:
        raise ValidationFailed(errors=out.errors)
    return cleaned


@transaction.atomic
def account_email_change_refused_notify(*, user: User, requested_email: str, language: str = "ja") -> None:
    """Tell the account's current address that a change of it was asked for and refused after the
    call-back. Changes nothing else: not the account, not its sessions."""
    user = User.objects.get(pk=user.pk)  # the address on file now, not a caller's stale copy
    now = clock.now()
    notification_enqueue(
        kind=EMAIL_CHANGE_REFUSED,
        to=user.email,
        subject=user,
        idempotency_key=(
            f"{EMAIL_CHANGE_REFUSED}:{user.pk}:{address_digest(requested_email, salt=now.isoformat())}"
        ),
        language=language,
        context={
            "recipient_name": user.display_name,
            "requested_email_masked": email_masked(requested_email),
            "refused_at": now.isoformat(),
        },
    )
