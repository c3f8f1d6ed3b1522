"""What the OpenID Connect provider keeps beside django-oauth-toolkit's own tables.

The relying parties, codes and tokens are DOT's models (``oauth2_provider``: ``Application``,
``Grant``, ``AccessToken``, ``RefreshToken``, ``IDToken``); these are calsreg's additions.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.outbound import OutboundDelivery, OutboundStatus


class SignIn(models.Model):
    """One sign-in at a relying party: the code exchanged for the first tokens.

    Keyed by DOT's refresh-token family (each refresh rotates the token, the family stays), so a
    refresh knows when the person typed their password: the sign-in ends ``expires_at`` however often
    it is refreshed (an absolute lifetime). Its ``sid`` is the ID token's ``sid`` claim and the
    logout token's: a party can end exactly this session.
    """

    token_family = models.UUIDField(_("リフレッシュトークンの系列"), unique=True)
    sid = models.UUIDField(_("セッションID（sid）"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sso_sign_ins",
        verbose_name=_("利用者"),
    )
    application = models.ForeignKey(
        "oauth2_provider.Application",
        on_delete=models.CASCADE,
        related_name="sso_sign_ins",
        verbose_name=_("連携先"),
    )
    signed_in_at = models.DateTimeField(_("サインイン日時"))
    expires_at = models.DateTimeField(_("有効期限"))
    # Set when calsreg ended the person's sessions (back-channel logout): the sign-in is over.
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("SSOサインイン")
        verbose_name_plural = _("SSOサインイン")
        ordering = ["-signed_in_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.application} {self.signed_in_at:%Y-%m-%d %H:%M}"


class BackchannelEndpoint(models.Model):
    """Where a relying party hears that a person's sessions ended (Back-Channel Logout 1.0).

    Beside DOT's ``Application`` (whose table sso does not change): one exact URL per party.
    """

    application = models.OneToOneField(
        "oauth2_provider.Application",
        on_delete=models.CASCADE,
        related_name="sso_backchannel",
        verbose_name=_("連携先"),
    )
    uri = models.URLField(_("バックチャネルログアウトURI"), max_length=500)

    class Meta:
        verbose_name = _("バックチャネルログアウト先")
        verbose_name_plural = _("バックチャネルログアウト先")

    def __str__(self) -> str:
        return self.uri


# One state machine for every outbound delivery (``core.outbound``); the name logouts know it by.
LogoutStatus = OutboundStatus


class LogoutDelivery(OutboundDelivery):
    """One logout token for one sign-in (``sub`` and ``sid``) at one party, because of one event.

    Written by the worker in the transaction that ends the sign-ins; the unique constraint means a
    session is never told twice of the same event. One token per sign-in rather than per person:
    each names its ``sid``, so a party ends exactly the sessions calsreg ended.
    """

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="sso_logouts")
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="sso_logouts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sso_logouts",
        verbose_name=_("利用者"),
    )
    sign_in = models.ForeignKey(
        SignIn, on_delete=models.CASCADE, null=True, blank=True, related_name="logouts"
    )
    sub = models.UUIDField(_("識別子（sub）"))
    sid = models.UUIDField(_("セッションID（sid）"), null=True, blank=True)
    # The token's ``jti``: the same in every attempt, so the party can tell a retry of one logout.
    jti = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("作成日時"))

    class Meta:
        verbose_name = _("バックチャネルログアウト送信")
        verbose_name_plural = _("バックチャネルログアウト送信")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "sign_in"], name="sso_logout_once_per_sign_in"),
            models.CheckConstraint(
                condition=models.Q(status__in=LogoutStatus.values), name="sso_logout_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.application} ({self.get_status_display()})"
