"""API tokens for staff: issue, revoke, and the use that stamps them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from calsreg.accounts.models import STAFF_ROLES, ApiToken, User
from calsreg.accounts.tokens import token_display_prefix, token_secret_generate, token_secret_hash
from calsreg.core import clock
from calsreg.core.errors import Conflict, FieldError, ValidationFailed
from calsreg.records.services import Actor, audit_record

API_TOKEN_NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class IssuedApiToken:
    """A new token and its secret. The secret exists only here: show it once, never store it."""

    token: ApiToken
    secret: str


@transaction.atomic
def api_token_issue(*, user: User, name: str, actor: Actor) -> IssuedApiToken:
    """Issue a token for an active staff user.

    Raises ``ValidationFailed`` if the user is not active staff or the name is empty or too long.
    """
    errors = []
    name = name.strip()
    if not name or len(name) > API_TOKEN_NAME_MAX_LENGTH:
        errors.append(
            FieldError(
                field="name",
                label=_("用途"),
                message=_("用途を%(max)s文字以内で入力してください。") % {"max": API_TOKEN_NAME_MAX_LENGTH},
            )
        )
    if not user.is_active or user.role not in STAFF_ROLES:
        errors.append(
            FieldError(
                field="user",
                label=_("利用者"),
                message=_("APIトークンは有効な職員の利用者にだけ発行できます。"),
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    now = clock.now()
    secret = token_secret_generate()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=token_display_prefix(secret), token_hash=token_secret_hash(secret)
    )
    audit_record(
        actor=actor,
        action="api_token.issued",
        subject=token,
        at=now,
        summary=gettext_noop("APIトークンを発行しました（%(user)s、%(name)s）。"),
        summary_params={"user": user.get_username(), "name": name},
        data={"user": user.get_username(), "prefix": token.prefix},
    )
    return IssuedApiToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    """Revoke a token for good. Raises ``Conflict`` if it is already revoked."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        raise Conflict(_("このAPIトークンは既に失効しています。"))
    now = clock.now()
    token.revoked_at = now
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="api_token.revoked",
        subject=token,
        at=now,
        summary=gettext_noop("APIトークンを失効させました（%(user)s、%(name)s）。"),
        summary_params={"user": token.user.get_username(), "name": token.name},
        data={"user": token.user.get_username(), "prefix": token.prefix},
    )
    return token


def api_token_authenticate(*, secret: str) -> User | None:
    """The active user owning the live token ``secret``, stamping its last use; None otherwise.

    The caller decides what the user may do (role checks); this only answers "who is this".
    """
    if not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_secret_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    # A plain UPDATE (no row lock, no audit row): a use is not a change of the token.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
