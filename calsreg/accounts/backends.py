"""The authentication backend: nothing — portal, desk, admin — can log an unusable account in.

Placed after django-axes in ``AUTHENTICATION_BACKENDS`` instead of Django's ``ModelBackend``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from calsreg.accounts.access import account_login_refusal

# Set on the request when the password was right but the account may not sign in (see below).
REFUSAL_ATTRIBUTE = "calsreg_login_refusal"


class AccountBackend(ModelBackend):
    """``ModelBackend`` that refuses account holders for whom ``account_login_refusal`` has a reason.

    When the ID and password are right but the account is refused, the reason is left on the
    request (``login_refusal_of(request)``) so the login page can say what to do. Only then: a wrong
    password reveals nothing about the account's state.

    A session already open is not judged here (``get_user``) but by
    ``AccountStillUsableMiddleware``, which signs the holder out *and tells them why*; judging it
    here would silently turn them into an anonymous visitor.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            # Hash anyway, so an unknown ID takes as long as a known one (as ModelBackend does).
            user_model().set_password(password)
            return None
        if not user.check_password(password) or not super().user_can_authenticate(user):
            return None
        refusal = account_login_refusal(user=user) if user.is_account_holder else None
        if refusal is not None:
            if request is not None:
                setattr(request, REFUSAL_ATTRIBUTE, refusal)
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        return not (user.is_account_holder and account_login_refusal(user=user) is not None)

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if super().user_can_authenticate(user) else None


def login_refusal_of(request: HttpRequest) -> str | None:
    """Why the last ``authenticate()`` on ``request`` refused a right password, if it did."""
    return getattr(request, REFUSAL_ATTRIBUTE, None)
