"""Bearer-token authentication for the staff endpoints and the events feed.

No token, an unknown or revoked one, or one of an inactive user → 401; a valid token of a user who
may not work the application queue (billing agent, account holders) → 403 (security invariant 6).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from calsreg.accounts.models import User
from calsreg.accounts.services import api_token_authenticate
from calsreg.core.errors import PermissionDenied
from calsreg.events.models import Subscriber
from calsreg.events.services import subscriber_authenticate


class DeskStaffToken(HttpBearer):
    """A token of a help-desk or administrator user; ``request.auth`` is that user."""

    openapi_description = (
        "ヘルプデスク（または管理者）のAPIトークン。manage.py create_api_token で発行します。"
    )

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(secret=token)
        if user is None:
            return None
        if not user.is_desk_staff:
            raise PermissionDenied(_("このAPIトークンの利用者には、申込を閲覧する権限がありません。"))
        return user


class BillingStaffToken(HttpBearer):
    """A token of a billing-agent or administrator user; ``request.auth`` is that user. The help desk
    is refused (403): it has no business with receivables."""

    openapi_description = "請求代行（または管理者）のAPIトークン。manage.py create_api_token で発行します。"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(secret=token)
        if user is None:
            return None
        if not user.is_billing_staff:
            raise PermissionDenied(_("このAPIトークンの利用者には、請求・入金を扱う権限がありません。"))
        return user


class SubscriberToken(HttpBearer):
    """The feed token of an active event subscriber (``manage.py events_subscriber_create``);
    ``request.auth`` is that subscriber. Anything else → 401."""

    openapi_description = (
        "イベントの購読者のフィード用トークン。manage.py events_subscriber_create で発行します。"
    )

    def authenticate(self, request: HttpRequest, token: str) -> Subscriber | None:
        return subscriber_authenticate(token=token)
