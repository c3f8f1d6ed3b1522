"""Users of the system.

One user table (``AUTH_USER_MODEL``) for staff and, from the registration issue on, account holders;
``role`` separates them. Staff sign in at the desk, account holders at the portal's my page; each
login page refuses the other kind.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel


class Role(models.TextChoices):
    HELP_DESK = "help_desk", _("ヘルプデスク")
    BILLING_AGENT = "billing_agent", _("請求代行")
    ADMINISTRATOR = "administrator", _("管理者")
    CONTRACTOR = "contractor", _("受注者")
    SUPERVISOR = "supervisor", _("監督員")


STAFF_ROLES = frozenset({Role.HELP_DESK, Role.BILLING_AGENT, Role.ADMINISTRATOR})


class User(AbstractUser):
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, default=Role.HELP_DESK)
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    @property
    def is_desk_staff(self) -> bool:
        """Help desk and administrator work the application queue."""
        return self.is_active and self.role in {Role.HELP_DESK, Role.ADMINISTRATOR}

    @property
    def is_staff_member(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(TimeStampedModel):
    """A bearer token for the staff API. Only the SHA-256 of the secret is stored.

    The secret itself is shown once, when the token is issued (see ``accounts.services``); a lost
    secret is replaced by issuing a new token and revoking the old one.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("利用者")
    )
    name = models.CharField(_("用途"), max_length=100)
    # The first characters of the secret, to tell tokens apart in lists and logs (not enough to use it).
    prefix = models.CharField(_("識別用の先頭文字"), max_length=16)
    token_hash = models.CharField(_("トークンのSHA-256"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("最終利用日時"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("失効日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("APIトークン")
        verbose_name_plural = _("APIトークン")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="api_token_hash_hex",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
