"""Notices shown on the portal's top page: news and scheduled maintenance."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from calsreg.core.models import TimeStampedModel


class NoticeKind(models.TextChoices):
    NEWS = "news", _("お知らせ")
    MAINTENANCE = "maintenance", _("メンテナンス")


class Notice(TimeStampedModel):
    """One item of the top page's notices, edited by the administrator in the admin site.

    It is shown from ``published_at`` until ``display_until`` (open-ended when empty), so a
    maintenance notice can be prepared in advance and disappears once the work is over.
    """

    kind = models.CharField(_("種別"), max_length=16, choices=NoticeKind.choices, default=NoticeKind.NEWS)
    title = models.CharField(_("件名"), max_length=200)
    body = models.TextField(_("本文"), blank=True)
    published_at = models.DateTimeField(_("掲載開始日時"), db_index=True)
    display_until = models.DateTimeField(_("掲載終了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("お知らせ")
        verbose_name_plural = _("お知らせ")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(display_until__isnull=True)
                | models.Q(display_until__gt=models.F("published_at")),
                name="notice_display_after_publish",
            ),
        ]

    def __str__(self) -> str:
        return self.title
